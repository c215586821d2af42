import Foundation
import UnlearnLedger
import UnlearnData
import UnlearnStore

/// Maps library errors to a message and a sysexits(3) code.
func describe(_ error: any Error) -> (String, Int32) {
    switch error {
    case let error as ImportError: return (error.description, UnlearnError.Category.data.rawValue)
    case let error as CorruptFileError: return (error.description, UnlearnError.Category.corrupt.rawValue)
    case let error as StoreIOError: return (error.description, UnlearnError.Category.io.rawValue)
    case let error as LedgerError: return (error.description, UnlearnError.Category.data.rawValue)
    default: return ("\(error)", UnlearnError.Category.software.rawValue)
    }
}
