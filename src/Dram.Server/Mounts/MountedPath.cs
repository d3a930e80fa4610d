namespace Dram.Server.Mounts;

/// <summary>
/// Where a mounted app sits in the URL for one request, set on the request's features by
/// <see cref="MountTable"/> before the app's environ or scope is built.
/// </summary>
/// <param name="ScriptName">SCRIPT_NAME: the prefix as its UTF-8 bytes read as latin-1 (PEP 3333 native string).</param>
/// <param name="RootPath">ASGI <c>root_path</c>: the prefix as text.</param>
/// <param name="PathInfo">PATH_INFO: the rest of the percent-decoded path, bytes as latin-1; "" when the request is the prefix itself.</param>
internal sealed record MountedPath(string ScriptName, string RootPath, string PathInfo);
