set terminal svg size 1100,440 dynamic font 'sans,12'
set output 'bench.svg'
set multiplot layout 1,2 title 'train-images-idx3-ubyte, mlp:128, e0=30, batch 16'
set grid
set logscale x 2
set title 'Ensemble accuracy (mean aggregation) vs shards'
set xlabel 'shards S'
set ylabel 'test accuracy (%)'
set key bottom left
plot 'accuracy.dat' index 0 using 1:3 with linespoints lw 2 title 'R=1', \
     'accuracy.dat' index 1 using 1:3 with linespoints lw 2 title 'R=10', \
     97.82 with lines dt 2 lw 2 title 'monolithic'
set title 'Unlearning speed-up vs requests K (vs monolithic retrain)'
set xlabel 'requests K'
set ylabel 'speed-up (x)'
set logscale y 2
set key top right
plot 'speedup.dat' index 0 using 1:2 with linespoints lw 2 title 'S=1 R=1', \
     'speedup.dat' index 1 using 1:2 with linespoints lw 2 title 'S=1 R=10', \
     'speedup.dat' index 2 using 1:2 with linespoints lw 2 title 'S=5 R=1', \
     'speedup.dat' index 3 using 1:2 with linespoints lw 2 title 'S=5 R=10', \
     'speedup.dat' index 4 using 1:2 with linespoints lw 2 title 'S=10 R=1', \
     'speedup.dat' index 5 using 1:2 with linespoints lw 2 title 'S=10 R=10', \
     'speedup.dat' index 6 using 1:2 with linespoints lw 2 title 'S=20 R=1', \
     'speedup.dat' index 7 using 1:2 with linespoints lw 2 title 'S=20 R=10'
unset multiplot
