// The bucket-user key as a SQL function of the embedded store's connections, for the
// migration that converted stored user sets to keys (migrations/sqlite/005).

internal import GRDB

extension BucketUserKey {
    /// `smolhog_bucket_user_key(interval, bucket, event_name, user_id)`, for migrations that
    /// convert stored user sets.
    static let sqlFunction = DatabaseFunction("smolhog_bucket_user_key", argumentCount: 4, pure: true) { values in
        guard let interval = String.fromDatabaseValue(values[0]), let bucket = Int64.fromDatabaseValue(values[1]),
            let name = String.fromDatabaseValue(values[2]), let user = String.fromDatabaseValue(values[3])
        else { return nil }
        return make(interval: interval, bucket: bucket, eventName: name, userID: user)
    }
}
