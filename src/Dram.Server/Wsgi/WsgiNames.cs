using Dram.Python;

namespace Dram.Server.Wsgi;

/// <summary>Interned attribute names used per request; created once, never released.</summary>
internal static class WsgiNames
{
    public static readonly PyRef Close = PyStr.Intern("close");
    public static readonly PyRef FileLike = PyStr.Intern("filelike");
    public static readonly PyRef FileNo = PyStr.Intern("fileno");
    public static readonly PyRef Tell = PyStr.Intern("tell");
}
