import GRDB
import GRDBSQLite

/// A cached GRDB statement driven through SQLite's C API, for the loops that
/// write a row per event or per profile: values are bound in place (SQLite
/// copies them), with no argument arrays and no intermediate strings.
struct RawStatement {
    let raw: OpaquePointer?
    let connection: OpaquePointer?

    init(_ db: Database, sql: String) throws {
        let statement = try db.cachedStatement(sql: sql)
        raw = statement.sqliteStatement
        connection = db.sqliteConnection
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    /// SQLite copies what is bound with this destructor.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(raw, index, value)
    }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(raw, index, value) } else { sqlite3_bind_null(raw, index) }
    }

    func bind(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in bindText(index, bytes) }
    }

    func bindText(_ index: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { bindText(index, $0) }
    }

    func bindText(_ index: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        if let base = bytes.baseAddress, !bytes.isEmpty {
            base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                _ = sqlite3_bind_text(raw, index, chars, Int32(clamping: bytes.count), Self.transient)
            }
        } else {
            _ = sqlite3_bind_text(raw, index, "", 0, Self.transient)
        }
    }

    func bindBlob(_ index: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { b in
            _ = sqlite3_bind_blob(raw, index, b.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                  Int32(clamping: b.count), Self.transient)
        }
    }

    /// Runs the statement once and resets it for the next row.
    func step() throws {
        let rc = sqlite3_step(raw)
        sqlite3_reset(raw)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(connection)))
        }
    }

    /// The rowid the last insert on this connection made, if the last step changed a row.
    var insertedRowID: Int64? {
        sqlite3_changes(connection) > 0 ? sqlite3_last_insert_rowid(connection) : nil
    }
}
