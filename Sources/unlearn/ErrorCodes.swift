import Foundation
import UnlearnCore
import UnlearnLedger
import UnlearnData
import UnlearnStore

/// Maps library errors to a message and a sysexits(3) code.
func describe(_ error: any Error) -> (String, Int32) {
    switch error {
    case let error as ImportError:
        let category: UnlearnError.Category = switch error.code {
        case .notFound: .noInput
        case .badOptions, .unknownColumn: .usage
        default: .data
        }
        return (error.description, category.rawValue)
    case let error as SpecError: return (error.description, UnlearnError.Category.usage.rawValue)
    case let error as CorruptFileError: return (error.description, UnlearnError.Category.corrupt.rawValue)
    case let error as StoreIOError: return (error.description, UnlearnError.Category.io.rawValue)
    case let error as LedgerError: return (error.description, UnlearnError.Category.data.rawValue)
    default: return ("\(error)", UnlearnError.Category.software.rawValue)
    }
}
