using System.Reflection;
using System.Runtime.Versioning;
using Dram.Server;

namespace Dram.Cli.Supervision;

/// <summary>
/// --user and --group: the account the workers run as. As in gunicorn, only the workers switch:
/// the supervisor keeps the identity it was started with, having bound the sockets (ports below
/// 1024 included) and written the pid file, so it can still remove the socket and pid files at
/// exit. A worker switches first thing, before it opens a log file or starts Python, so the app
/// never runs with the supervisor's privileges.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class WorkerIdentity
{
    /// <summary>The uid, gid and user name to become; null when neither option is given.</summary>
    public static (uint Uid, uint Gid, string? UserName)? Target(DramServerOptions options)
    {
        if (options.User is null && options.Group is null)
        {
            return null;
        }

        // The settings parser checked both exist; a name that vanished since is reported here.
        var user = options.User is { } u
            ? Native.FindUser(u) ?? throw new DramStartupException(ExitCodes.Usage, $"--user: no such user '{u}'")
            : (Native.CurrentUid, Native.CurrentGid, (string?)null);
        var gid = options.Group is { } g
            ? Native.FindGroup(g) ?? throw new DramStartupException(ExitCodes.Usage, $"--group: no such group '{g}'")
            : user.Item2;
        return (user.Item1, gid, options.User is null ? null : user.Item3);
    }

    /// <summary>Refuses, in the supervisor before anything starts, a switch the workers could not make.</summary>
    public static void CheckPossible(DramServerOptions options)
    {
        if (Target(options) is { } target && Native.CurrentUid != 0 && (target.Uid != Native.CurrentUid || target.Gid != Native.CurrentGid))
        {
            throw new DramStartupException(ExitCodes.Usage, "--user and --group need dram to be started as root");
        }
    }

    /// <summary>Becomes the configured account; a no-op without --user and --group.</summary>
    public static void SwitchIfAsked(DramServerOptions options)
    {
        if (Target(options) is not { } target || (target.Uid == Native.CurrentUid && target.Gid == Native.CurrentGid && Native.CurrentUid != 0))
        {
            return;
        }

        // dram's own assemblies are loaded on first use. The directory they are in may not be
        // readable by the new user (a build under /root), so load them while still able to.
        LoadOwnAssemblies();
        try
        {
            Native.SwitchUser(target.Uid, target.Gid, target.UserName);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DramStartupException(ExitCodes.Usage, $"cannot switch to user {target.Uid} and group {target.Gid}: {e.Message}");
        }
    }

    /// <summary>
    /// Gives the files the workers write to the account they switch to, as gunicorn does with
    /// its log files: the error and access logs (created here if need be, so a worker can open
    /// them in a directory it could not create files in, and again after each SIGUSR1 reopen)
    /// and <paramref name="extra"/> (a worker's metrics slot, which the worker also unlinks).
    /// A no-op without --user and --group.
    /// </summary>
    public static void HandOver(DramServerOptions options, params string?[] extra)
    {
        if (Target(options) is not { } target)
        {
            return;
        }

        foreach (var path in new[] { options.ErrorLogPath, options.AccessLog }.Concat(extra))
        {
            if (path is null or "-")
            {
                continue;
            }

            try
            {
                using (new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                {
                }

                Native.ChangeOwner(path, target.Uid, target.Gid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DramStartupException(ExitCodes.Usage, $"cannot hand {path} to user {target.Uid}: {e.Message}");
            }
        }
    }

    private static void LoadOwnAssemblies()
    {
        var loaded = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (loaded.Contains(name))
            {
                continue;
            }

            try
            {
                Assembly.Load(AssemblyName.GetAssemblyName(file));
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException)
            {
                // Not a managed assembly of this app (a test adapter copied beside it): nothing to keep.
            }
        }
    }
}
