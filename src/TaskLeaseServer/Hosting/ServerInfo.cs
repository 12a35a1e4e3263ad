using System.Reflection;

namespace TaskLeaseServer.Hosting;

public static class ServerInfo
{
    public const string Name = "TaskLeaseServer";

    public static string Version { get; } =
        typeof(ServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";
}
