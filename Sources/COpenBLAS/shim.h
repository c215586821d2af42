#include <cblas.h>
// Exported by OpenBLAS; lets each process pin BLAS to one thread (we parallelise across shards).
void openblas_set_num_threads(int num_threads);
