using System.Globalization;
using System.Runtime.Versioning;
using System.Text;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// One server per SQLite file. The single writer and the in-process caches assume this
/// process is the only one writing, and a second server on the same file started without a word
/// (issue 14). The server therefore holds an exclusive OS lock on a sidecar file "&lt;db&gt;.lock"
/// for its whole life, and writes its pid and command line into it so that a second server can say
/// who holds the database. The OS drops the lock when the process dies, even by kill -9, so a crash
/// never leaves a stale lock; the file itself stays and means nothing while nobody locks it.
/// </summary>
internal sealed class DatabaseFileLock : IDisposable
{
    // The locked byte lies beyond the text, because on Windows a locked range cannot be read and the
    // second server must read the pid. POSIX record locks (fcntl) are advisory: reading is unaffected.
    private const long LockOffset = 1 << 20;

    private readonly FileStream _file;

    private DatabaseFileLock(FileStream file) => _file = file;

    /// <summary>Locks "<paramref name="dbPath"/>.lock", or throws <see cref="DatabaseInUseException"/> naming the holder.</summary>
    public static DatabaseFileLock Acquire(string dbPath)
    {
        var path = dbPath + ".lock";
        var file = OperatingSystem.IsMacOS() ? LockWholeFile(path) : LockRecord(path);
        if (file is null)
        {
            throw new DatabaseInUseException(
                $"the database {dbPath} is in use by another server ({Holder(path)}); one SQLite file serves one server process: " +
                "stop that one or pass another --db (several nodes on one database need PostgreSQL, see docs/operations.md)");
        }
        file.SetLength(0);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"pid {Environment.ProcessId}\ncommand {RedactedCommandLine()}\nstarted {DateTimeOffset.UtcNow:O}\n");
        file.Write(Encoding.UTF8.GetBytes(text));
        file.Flush(flushToDisk: false);
        return new DatabaseFileLock(file);
    }

    /// <summary>The locked file, or null when another process holds the lock.</summary>
    [UnsupportedOSPlatform("macos")]
    private static FileStream? LockRecord(string path)
    {
        // FileShare.ReadWrite: .NET's own whole-file lock (flock) must not stop the second server
        // from reading the holder's pid; the exclusion is the record lock.
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            file.Lock(LockOffset, 1);
            return file;
        }
        catch (IOException)
        {
            file.Dispose();
            return null;
        }
    }

    /// <summary>macOS has no FileStream.Lock: .NET's exclusive flock of FileShare.None, whose holder cannot be read.</summary>
    private static FileStream? LockWholeFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(path) && e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The command line with any --token value replaced: the lock file and the second server's message are not secret.</summary>
    private static string RedactedCommandLine()
    {
        var args = Environment.GetCommandLineArgs();
        return string.Join(' ', args.Select((a, i) =>
            i > 0 && args[i - 1] == "--token" ? "***" : a.StartsWith("--token=", StringComparison.Ordinal) ? "--token=***" : a));
    }

    /// <summary>"pid N: command line", from the holder's lock file, as far as it has been written.</summary>
    private static string Holder(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(file, Encoding.UTF8);
            var lines = reader.ReadToEnd().Split('\n');
            var pid = lines.FirstOrDefault(l => l.StartsWith("pid ", StringComparison.Ordinal))?[4..];
            var command = lines.FirstOrDefault(l => l.StartsWith("command ", StringComparison.Ordinal))?[8..];
            if (pid is null) return $"its pid is not yet in {path}";
            return command is null ? $"pid {pid}" : $"pid {pid}: {command}";
        }
        catch (IOException e)
        {
            return $"cannot read {path}: {e.Message}";
        }
    }

    public void Dispose() => _file.Dispose();
}
