using System.Runtime.InteropServices;

namespace Dram.Python.Native;

/// <summary>
/// What the kernel says about a thread: its id, and whether it is runnable (running, or ready and
/// waiting for a core) rather than asleep in a wait. The pool uses it to tell a Python thread that
/// is blocked from one that is merely waiting for a CPU while other processes use the cores.
/// </summary>
internal static partial class OsThread
{
    /// <summary>The calling thread's kernel id (gettid, glibc 2.30+).</summary>
    public static int CurrentId() => GetTid();

    /// <summary>
    /// True when the thread is in state R (proc(5), /proc/[pid]/task/[tid]/stat, field 3); false
    /// when it sleeps, or when the state cannot be read (then it counts as blocked, the old rule).
    /// </summary>
    public static bool IsRunnable(int tid)
    {
        if (tid <= 0)
        {
            return false;
        }

        try
        {
            // "tid (comm) S ..." where comm may itself contain spaces and parentheses.
            var stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
            var end = stat.LastIndexOf(')');
            return end >= 0 && end + 2 < stat.Length && stat[end + 2] == 'R';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}
