using System.Globalization;
using Dram.Server;
using Dram.Server.Hosting;

namespace Dram.Cli.Settings;

/// <summary>The value types settings are declared with.</summary>
internal static class SettingTypes
{
    public static SettingType<string> App { get; } = new("module:attribute", "APP", AppSpec.Validate);

    /// <summary>/PREFIX=MODULE:ATTRIBUTE (--mount): the prefix normalised, the app checked like APP.</summary>
    public static SettingType<AppMount> Mount { get; } = new("/PREFIX=MODULE:ATTRIBUTE", "/PREFIX=APP", ParseMount);

    public static SettingType<string> Bind { get; } = new("HOST:PORT", "HOST:PORT",
        static raw => BindAddress.TryParse(raw, out _, out var error) ? raw : throw new SettingValueException(error));

    /// <summary>A TCP HOST:PORT only (--metrics): the supervisor listens on it itself.</summary>
    public static SettingType<string> TcpAddress { get; } = new("HOST:PORT", "HOST:PORT", static raw =>
        !BindAddress.TryParse(raw, out var bind, out var error)
            ? throw new SettingValueException(error.Split(';')[0] + "; expected HOST:PORT, e.g. 127.0.0.1:9100")
            : bind.IsTcp ? raw
            : throw new SettingValueException("expected HOST:PORT, e.g. 127.0.0.1:9100; unix: and fd:// are not supported here"));

    /// <summary>/prefix=DIR for --static; DIR must exist, and a relative one is made absolute against the starting directory.</summary>
    public static SettingType<StaticRoute> StaticRoute { get; } = new("/prefix=DIR with DIR an existing directory", "/PREFIX=DIR",
        static raw => Dram.Server.Hosting.StaticRoute.TryParse(raw, Directory.GetCurrentDirectory(), out var route, out var error) ? route! : throw new SettingValueException(error));

    public static SettingType<long> Size { get; } = new("size in bytes (K, M, G, T suffixes are powers of 1024)", "BYTES", ByteSize.Parse);

    public static SettingType<bool> Boolean { get; } = new("boolean", "", ParseBoolean);

    /// <summary>An IP address, a CIDR network, or * (--forwarded-allow-ips).</summary>
    public static SettingType<string> TrustedPeer { get; } = new("IP address, CIDR network or *", "ADDRESS",
        static raw => TrustedProxies.TryParseEntry(raw, out _, out _) ? raw.Trim() : throw new SettingValueException("not an IP address, a CIDR network (10.0.0.0/8) or *"));

    /// <summary>A directory that must exist when dram starts.</summary>
    public static SettingType<string> ExistingDirectory { get; } = new("path to an existing directory", "DIR", raw =>
        Directory.Exists(NonEmpty(raw)) ? raw : throw new SettingValueException("no such directory"));

    /// <summary>A user account that exists on this machine, by name or uid (--user).</summary>
    public static SettingType<string> User { get; } = new("user name or uid", "USER", raw =>
        Supervision.Native.FindUser(NonEmpty(raw)) is not null ? raw : throw new SettingValueException("no such user"));

    /// <summary>A group that exists on this machine, by name or gid (--group).</summary>
    public static SettingType<string> Group { get; } = new("group name or gid", "GROUP", raw =>
        Supervision.Native.FindGroup(NonEmpty(raw)) is not null ? raw : throw new SettingValueException("no such group"));

    /// <summary>A path checked only for being non-empty; whoever uses it reports a better error than "not found".</summary>
    public static SettingType<string> FilePath { get; } = new("path", "PATH", NonEmpty);

    /// <summary>A directory that may not exist yet (Python skips missing sys.path entries too).</summary>
    public static SettingType<string> DirectoryPath { get; } = new("directory path", "DIR", NonEmpty);

    // TLS files: absolute once checked, so --chdir (applied later, in each worker) cannot change which file is read.

    /// <summary>A readable PEM file with at least one certificate (--certfile, --ca-certs).</summary>
    public static SettingType<string> PemCertificates { get; } = new("PEM certificate file", "FILE", static raw =>
        TlsFiles.CheckCertificates(NonEmpty(raw)) is { } reason ? throw new SettingValueException(reason) : Path.GetFullPath(raw));

    /// <summary>A readable PEM file with an unencrypted RSA or EC private key (--keyfile).</summary>
    public static SettingType<string> PemPrivateKey { get; } = new("PEM private key file", "FILE", static raw =>
        TlsFiles.CheckPrivateKey(NonEmpty(raw)) is { } reason ? throw new SettingValueException(reason) : Path.GetFullPath(raw));

    /// <summary>gunicorn's --cert-reqs: Python's ssl.CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED as 0, 1, 2, or their names.</summary>
    public static SettingType<ClientCertificates> ClientCertificateMode { get; } = Choice("MODE",
        ("none", ClientCertificates.None), ("optional", ClientCertificates.Optional), ("required", ClientCertificates.Required),
        ("0", ClientCertificates.None), ("1", ClientCertificates.Optional), ("2", ClientCertificates.Required));

    /// <summary>
    /// A log destination: <c>-</c> for the standard stream, or a file to append to. A file's
    /// directory must exist (the file is created when dram opens it); other failures to open it
    /// are reported then, also with exit code 2.
    /// </summary>
    public static SettingType<string> LogTarget(string stream) => new($"`-` ({stream}) or a file path", "FILE", raw =>
    {
        if (NonEmpty(raw) == "-")
        {
            return raw;
        }

        if (Directory.Exists(raw))
        {
            throw new SettingValueException("is a directory");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(raw));
        return directory is null || Directory.Exists(directory) ? raw : throw new SettingValueException($"no such directory '{directory}'");
    });

    /// <summary>A --log-config file, read and checked while the settings are parsed.</summary>
    public static SettingType<Dictionary<string, Microsoft.Extensions.Logging.LogLevel>> LogConfig { get; } =
        new("path to a JSON file of per-category levels", "FILE", raw => LogConfigFile.Load(NonEmpty(raw)));

    public static SettingType<int> Integer(int min, int max) => new(
        $"integer from {min} to {max}",
        "N",
        raw => int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new SettingValueException($"must be an integer from {min} to {max}"));

    /// <summary>One of a fixed set of names, matched case-insensitively.</summary>
    public static SettingType<T> Choice<T>(string metavar, params (string Name, T Value)[] choices)
    {
        var names = string.Join(", ", choices.Select(c => c.Name));
        return new($"one of {names}", metavar, raw =>
        {
            foreach (var (name, value) in choices)
            {
                if (string.Equals(name, raw, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }

            throw new SettingValueException("must be one of " + names);
        });
    }

    private static AppMount ParseMount(string raw)
    {
        var equals = raw.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            throw new SettingValueException("expected /PREFIX=MODULE:ATTRIBUTE, e.g. /api=myapi:app");
        }

        var prefix = AppMount.NormalizePrefix(raw[..equals], out var error) ?? throw new SettingValueException(error);
        return new AppMount(prefix, AppSpec.Validate(raw[(equals + 1)..]));
    }

    private static string NonEmpty(string raw) => raw.Length > 0 ? raw : throw new SettingValueException("must not be empty");

    // The spellings people use in environment files and container specs.
    private static bool ParseBoolean(string raw) => raw.ToUpperInvariant() switch
    {
        "1" or "TRUE" or "YES" => true,
        "0" or "FALSE" or "NO" => false,
        _ => throw new SettingValueException("must be one of 1, 0, true, false, yes, no"),
    };
}
