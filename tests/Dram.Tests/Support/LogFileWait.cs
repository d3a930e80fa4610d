namespace Dram.Tests.Support;

/// <summary>
/// Waiting on a file that other processes write: dram's error or access log with --error-log or
/// --access-log FILE, where no line reaches the test's pipes to signal on. Polls every 50 ms.
/// </summary>
internal static class LogFileWait
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The file's text once <paramref name="condition"/> holds (a missing file reads as empty);
    /// fails with what the file has after <see cref="Deadline"/>, or at once when
    /// <paramref name="writer"/> has exited.
    /// </summary>
    public static async Task<string> UntilAsync(string path, Func<string, bool> condition, ChildProcess? writer = null)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var text = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
            if (condition(text))
            {
                return text;
            }

            Assert.True(
                DateTime.UtcNow < deadline && writer?.HasExited != true,
                $"{path} never got there; it has:\n{text}" + (writer is null ? "" : "\ndram's stderr:\n" + writer.Stderr));
            await Task.Delay(50);
        }
    }
}
