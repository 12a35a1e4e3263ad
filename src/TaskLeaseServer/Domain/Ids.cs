namespace TaskLeaseServer.Domain;

/// <summary>Identifiers the server mints: random UUID v4, 36 lowercase characters (CONTRACT §6).</summary>
public static class Ids
{
    public static string New() => Guid.NewGuid().ToString("D");
}
