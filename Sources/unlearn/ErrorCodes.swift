import Foundation
import UnlearnCore
import UnlearnLedger
import UnlearnCore
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
    case let error as TrainingDiverged: return (error.description, UnlearnError.Category.data.rawValue)
    case let error as CorruptFileError: return (error.description, UnlearnError.Category.corrupt.rawValue)
    case let error as StoreIOError: return (error.description, UnlearnError.Category.io.rawValue)
    case let error as LedgerError: return (error.description, ledgerCategory(error).rawValue)
    default: return ("\(error)", UnlearnError.Category.software.rawValue)
    }
}

/// Damage is 76 (restore), contention 75 (retry), a full disk or I/O 74 (free space), and the
/// rest are refusals of what was asked (65).
private func ledgerCategory(_ error: LedgerError) -> UnlearnError.Category {
    switch error {
    case .storage(.damaged, _, _), .corrupt: .corrupt
    case .storage(.busy, _, _), .staleParent: .busy
    case .storage(.full, _, _), .storage(.io, _, _), .storage(.readOnly, _, _), .cannotCreateFile: .io
    default: .data
    }
}
