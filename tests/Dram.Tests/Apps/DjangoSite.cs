using Dram.Tests.Support;

namespace Dram.Tests.Apps;

/// <summary>
/// The Django site's data (tests/apps/real/django_site): a SQLite database with the schema and an
/// admin user, made once by a separate process, plus a file for FileResponse; and the site under
/// gunicorn. Dram serves the same module in this process; Django's settings are process-wide, so
/// this is the one Django project of the test run.
/// </summary>
public sealed class DjangoSite : IAsyncLifetime
{
    public const string App = "real.django_site.wsgi:application";
    public const string User = "admin";
    public const string Password = "dram-tests-admin-pw";
    public const string DownloadName = "download.bin";

    /// <summary>
    /// The settings' default for a process that was not given DRAM_DJANGO_DIR: Dram's interpreter
    /// lives in this process, whose environment cannot be changed for it any more.
    /// </summary>
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), $"dram-django-{Environment.ProcessId}");

    public GunicornServer? Gunicorn { get; private set; }

    /// <summary>3 MiB and a few bytes: above Django's FileResponse block size and upload memory limit.</summary>
    public byte[] Download { get; } = RandomBytes(3 * 1024 * 1024 + 5, seed: 7);

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDir);
        var environment = new Dictionary<string, string?> { ["DRAM_DJANGO_DIR"] = DataDir };
        var setup = await ChildProcess.RunAsync(
            PythonFixture.Interpreter, ["-m", "real.django_site.setup_db", User, Password], RepoPaths.Apps, environment);
        if (setup.ExitCode != 0)
        {
            throw new InvalidOperationException($"the Django schema could not be made: {setup}");
        }

        await File.WriteAllBytesAsync(Path.Combine(DataDir, DownloadName), Download);
        Gunicorn = new GunicornServer(App, environment);
        await Gunicorn.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (Gunicorn is not null)
        {
            await Gunicorn.DisposeAsync();
        }

        Directory.Delete(DataDir, recursive: true);
    }
}
