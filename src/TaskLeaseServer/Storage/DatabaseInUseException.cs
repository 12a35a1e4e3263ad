namespace TaskLeaseServer.Storage;

/// <summary>
/// Another server process holds the database: start-up stops (exit 2) with this message, which
/// names that process. Thrown by the storage engine; Hosting only reports it.
/// </summary>
public sealed class DatabaseInUseException(string message) : Exception(message);
