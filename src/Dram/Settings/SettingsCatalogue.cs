using Dram.Server;
using Dram.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Dram.Cli.Settings;

/// <summary>
/// Every setting dram has, each declared exactly once. Adding a setting means adding one entry
/// here: the command line, the DRAM_* environment variable, --help and docs/configuration.md
/// all follow from it (regenerate the docs with DRAM_UPDATE_DOCS=1, see ConfigurationDocsTests).
/// </summary>
internal static class SettingsCatalogue
{
    public static IReadOnlyList<Setting> All { get; } =
    [
        new Setting<string>
        {
            Name = "app",
            Kind = SettingKind.Positional,
            Type = SettingTypes.App,
            Default = "the built-in welcome app",
            DefaultSource = "Dram's own: gunicorn requires an app, but a welcome page shows the install works before any app is written.",
            Summary = "The app (WSGI or ASGI) as MODULE:ATTRIBUTE (the attribute may be dotted); MODULE alone means MODULE:application.",
            Description = "The WSGI or ASGI application to serve, written `module:attribute`, where the module is imported the usual way " +
                "(from the working directory and --pythonpath) and the attribute may be dotted (`pkg.web:app.wsgi`). " +
                "`module` alone means `module:application`, gunicorn's convention. The shape is checked before Python starts; " +
                "a module that fails to import or an attribute that is not callable makes dram exit with code 3.",
            ApplyTo = static (options, value) => options.App = value,
        },
        new Setting<AppMount>
        {
            Name = "mount",
            Kind = SettingKind.List,
            Type = SettingTypes.Mount,
            Default = "none",
            DefaultSource = "Dram's own: gunicorn and uvicorn serve one app; this is the URL dispatch middleware of PEP 3333 done by the server.",
            Summary = "Serve another app (WSGI or ASGI) under a path prefix, as /PREFIX=MODULE:ATTRIBUTE; repeat for several.",
            Description = "Serves `MODULE:ATTRIBUTE` for the requests whose path is `/PREFIX` or lies below it; the app sees the prefix " +
                "in `SCRIPT_NAME` (ASGI `root_path`) and the rest in `PATH_INFO` (ASGI `path`), so `/api` alone gives `PATH_INFO` \"\". " +
                "Prefixes match whole segments (`/api` never matches `/apis`), the longest one wins, and dispatch uses the " +
                "normalised path, so `/api/../admin/` goes to the app at `/admin`. A trailing `/` is dropped (`/api/` mounts `/api`). " +
                "Each mount is detected as WSGI or ASGI on its own (--interface and --factory are for APP only). Requests under no " +
                "prefix go to APP; with mounts but no APP they get 404. Repeat the option for several apps; in DRAM_MOUNT separate " +
                "them with commas.",
            ApplyTo = static (options, value) =>
            {
                // Checked here, across values, so a duplicate is reported with every other bad value.
                if (options.Mounts.FirstOrDefault(m => m.Prefix == value.Prefix) is { } taken)
                {
                    throw new SettingValueException($"the prefix {value.Prefix} is already mounted (by {taken.App})");
                }

                options.Mounts.Add(value);
            },
        },
        new Setting<string>
        {
            Name = ConfigFile.SettingName,
            Type = SettingTypes.FilePath,
            Default = "none",
            DefaultSource = "Dram's own: every setting works without a file.",
            Summary = "Read settings from this JSON file (comments allowed); the command line and the environment win over it.",
            Description = "A JSON file of settings, described under [The config file](#the-config-file): an object whose keys are " +
                "the settings' names as in their long flags (`\"workers\": 2`, `\"bind\": [\"0.0.0.0:8000\"]`). A setting given on " +
                "the command line or in the environment wins over the file. It cannot name another config file, and worker " +
                "processes read the same file when they start (at a SIGHUP too).",
            ApplyTo = static (_, _) => { },
        },
        new Setting<bool>
        {
            Name = "factory",
            Kind = SettingKind.Flag,
            Type = SettingTypes.Boolean,
            Default = "off",
            DefaultSource = "Matches uvicorn's --factory, which is off unless given.",
            Summary = "Treat the attribute as a zero-argument factory that returns the app.",
            Description = "Call the attribute named by APP with no arguments, once at start-up, and serve what it returns. " +
                "Use this for the application-factory pattern (`create_app()`), instead of gunicorn's `module:create_app()` syntax.",
            ApplyTo = static (options, value) => options.Factory = value,
        },
        new Setting<string>
        {
            Name = "bind",
            Kind = SettingKind.List,
            ShortFlag = 'b',
            Type = SettingTypes.Bind,
            Default = DramServerOptions.DefaultBind,
            DefaultSource = "Matches gunicorn's default: only this machine can connect until you choose otherwise.",
            Summary = "Address to listen on (HOST:PORT, unix:PATH, fd://N, h2c://HOST:PORT); repeat the option for several.",
            Description = "An address to listen on: HOST:PORT, `unix:PATH`, `fd://N` or `h2c://HOST:PORT`. Repeat the option (or separate addresses " +
                "with commas in DRAM_BIND) to listen on several. The host is a host name, an IPv4 address, or an IPv6 address in " +
                "brackets (`[::1]:8000`); use `0.0.0.0` or `[::]` for all interfaces. Port 0 picks a free port. `unix:PATH` " +
                "listens on a Unix socket: the file's mode is 0777 less --umask, a socket file left by a server that is gone is " +
                "replaced, any other file at PATH is refused, and the file is removed at exit. `fd://N` serves the already-listening " +
                "socket inherited as descriptor N (3 or more), e.g. from systemd socket activation; it is neither closed nor " +
                "removed by dram. `h2c://HOST:PORT` speaks only cleartext HTTP/2 with prior knowledge (RFC 9113 §3.3), for a " +
                "trusted proxy, and stays cleartext with --certfile.",
            ApplyTo = static (options, value) => options.Binds.Add(value),
        },
        new Setting<string>
        {
            Name = "chdir",
            Type = SettingTypes.ExistingDirectory,
            Default = "the current directory",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Change to this directory before loading the app; it also goes first on sys.path.",
            Description = "Change to this directory before loading the app. As in gunicorn, the directory is also put first " +
                "on `sys.path`, so modules in it can be imported. It must exist when dram starts.",
            ApplyTo = static (options, value) => options.Chdir = value,
        },
        new Setting<string>
        {
            Name = "pythonpath",
            Kind = SettingKind.List,
            EnvSeparator = ListSeparator.PathSeparator,
            Type = SettingTypes.DirectoryPath,
            Default = "none",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Add a directory to sys.path; repeat the option to add several.",
            Description = "A directory to add to `sys.path`, after the working directory. Repeat the option to add several; " +
                "in DRAM_PYTHONPATH separate them with `os.pathsep`, as in PYTHONPATH.",
            ApplyTo = static (options, value) => options.PythonPath.Add(value),
        },
        new Setting<StaticRoute>
        {
            Name = "static",
            Kind = SettingKind.List,
            Type = SettingTypes.StaticRoute,
            Default = "none",
            DefaultSource = "Matches gunicorn and uvicorn, which serve no files themselves.",
            Summary = "Serve files from DIR under a URL prefix without Python: /prefix=DIR; repeat for several.",
            Description = "Answers every request whose path is the prefix or lies under it (whole segments, case-sensitive, the longest " +
                "prefix wins; before any app) with the file of that name in DIR, sent by .NET without touching Python. GET and HEAD " +
                "only (405 otherwise); ETag, Last-Modified, conditional requests and single byte ranges; `FILE.br` or `FILE.gz` next " +
                "to FILE is sent instead, with `Content-Encoding` and `Vary: Accept-Encoding`, when the client accepts it. A missing " +
                "file, a directory (no listings, no index.html) or a path leading outside DIR, by `..`, encoded separators or a " +
                "symlink, is 404 from the static route: nothing under the prefix reaches the app. No Cache-Control header is sent " +
                "(as nginx). A relative DIR is relative to the directory dram is started in, not --chdir; it must exist at start. " +
                "Repeat the option, or separate entries with commas in DRAM_STATIC.",
            ApplyTo = static (options, value) =>
            {
                if (options.Statics.Any(r => r.Prefix == value.Prefix))
                {
                    throw new SettingValueException($"prefix {value.Prefix} is already served from {options.Statics.First(r => r.Prefix == value.Prefix).Directory}");
                }

                options.Statics.Add(value);
            },
        },
        new Setting<string>
        {
            Name = "python",
            Type = SettingTypes.FilePath,
            Default = "$VIRTUAL_ENV/bin/python when VIRTUAL_ENV is set, else python3 on PATH",
            DefaultSource = "Dram's own: it picks the interpreter an activated virtual environment would, like typing `python`.",
            Summary = "The Python interpreter whose libpython to embed.",
            Description = "The Python interpreter to embed, as a path or a command on PATH. Dram asks it where its " +
                "libpython and standard library are and loads them into its own process. A missing interpreter or " +
                "libpython makes dram exit with code 2.",
            ApplyTo = static (options, value) => options.Python = value,
        },
        new Setting<int>
        {
            Name = "threads",
            Type = SettingTypes.Integer(1, 1024),
            Default = "8",
            DefaultSource = "Dram's own: one process serves every request (gunicorn's default is one thread in each of " +
                "several worker processes), so it needs several threads to overlap slow requests.",
            Summary = "Most Python threads running requests at once.",
            Description = "How many requests can run Python code at the same time. All of them share one interpreter, so " +
                "CPU-bound apps gain little from more threads, while apps that wait on databases or other services gain a lot.",
            ApplyTo = static (options, value) => options.Threads = value,
        },
        new Setting<int>
        {
            Name = "workers",
            ShortFlag = 'w',
            Type = SettingTypes.Integer(1, 256),
            Default = "1",
            DefaultSource = "Matches gunicorn's default. One Dram process already uses two cores (Kestrel's threads do the HTTP), " +
                "and each worker costs its own interpreter and .NET runtime.",
            Summary = "Worker processes, each with its own interpreter, all serving the same --bind addresses.",
            Description = "How many worker processes serve the app. Each has its own Kestrel and Python interpreter (so its own " +
                "GIL), and all of them accept on the same listening sockets, which the dram process binds once and hands down. " +
                "The dram process itself is the supervisor and loads no Python: it restarts a worker that dies, and a worker that " +
                "cannot boot at start-up stops dram with that worker's exit code (3 when the app does not import). " +
                "SIGHUP replaces the workers one at a time (the app is imported afresh), SIGTTIN and SIGTTOU add and remove one. " +
                "`wsgi.multiprocess` is true when this is more than 1.",
            ApplyTo = static (options, value) => options.Workers = value,
        },
        new Setting<bool>
        {
            Name = "reload",
            Kind = SettingKind.Flag,
            Type = SettingTypes.Boolean,
            Default = "off",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Development: restart the workers when a .py file under the app's directories changes.",
            Description = "Watches the working directory (--chdir) and every --pythonpath directory, with their " +
                "subdirectories, for changes to `.py` files. A burst of changes (an editor saving) restarts the workers once, " +
                "one at a time, like SIGHUP: requests in flight finish, and an app that no longer imports leaves the old " +
                "workers serving. Meant for development; in production restart with SIGHUP.",
            ApplyTo = static (options, value) => options.Reload = value,
        },
        new Setting<int>
        {
            Name = "timeout",
            ShortFlag = 't',
            Type = SettingTypes.Integer(0, 86400),
            Default = "30",
            DefaultSource = "Matches gunicorn's default; 0 turns it off, as in gunicorn.",
            Summary = "Seconds a request may run Python before RequestTimeout is raised in its thread (504 if nothing was sent).",
            Description = "A request still running Python after this many seconds gets the exception `RequestTimeout` raised in " +
                "its thread (a BaseException, so `except Exception` does not swallow it); the client gets 504 if nothing was " +
                "sent yet, else the response ends unfinished. A thread blocked in C code cannot be interrupted: 5 seconds later " +
                "its worker is replaced, with the same drain as a restart. Logged either way. 0 turns the timeout off.",
            ApplyTo = static (options, value) => options.Timeout = TimeSpan.FromSeconds(value),
        },
        new Setting<AppInterface>
        {
            Name = "interface",
            Type = SettingTypes.Choice(
                "INTERFACE",
                ("auto", AppInterface.Auto),
                ("asgi", AppInterface.Asgi),
                ("wsgi", AppInterface.Wsgi)),
            Default = "auto",
            DefaultSource = "Matches uvicorn's --interface auto: the app's own shape says which protocol it speaks.",
            Summary = "The protocol the app speaks: asgi (ASGI 3), wsgi (PEP 3333), or auto to tell from the app.",
            Description = "`asgi` calls the app as ASGI 3 (`await app(scope, receive, send)`) on an event loop; `wsgi` calls it as " +
                "PEP 3333 (`app(environ, start_response)`) on Python threads. `auto` picks ASGI when the app is a coroutine " +
                "function or an object whose `__call__` is one (Starlette, FastAPI, Django's ASGIHandler), and WSGI otherwise; " +
                "the start-up log says which it picked.",
            ApplyTo = static (options, value) => options.Interface = value,
        },
        new Setting<LifespanMode>
        {
            Name = "lifespan",
            Type = SettingTypes.Choice(
                "MODE",
                ("auto", LifespanMode.Auto),
                ("on", LifespanMode.On),
                ("off", LifespanMode.Off)),
            Default = "auto",
            DefaultSource = "Matches uvicorn's default.",
            Summary = "ASGI lifespan events: auto (when the app supports them), on (required), off.",
            Description = "Runs the ASGI lifespan protocol around serving: `lifespan.startup` before the first request (what the " +
                "app puts into `scope[\"state\"]` is copied into every request's scope) and `lifespan.shutdown` after the last. " +
                "A startup the app reports as failed stops dram with exit code 3 and the app's message. With `auto` an app that " +
                "raises before answering startup is taken not to support lifespan and is served without it; with `on` that is a " +
                "start-up failure too. ASGI apps only.",
            ApplyTo = static (options, value) => options.Lifespan = value,
        },
        new Setting<EventLoopKind>
        {
            Name = "loop",
            Type = SettingTypes.Choice(
                "LOOP",
                ("auto", EventLoopKind.Auto),
                ("asyncio", EventLoopKind.Asyncio),
                ("uvloop", EventLoopKind.Uvloop)),
            Default = "auto",
            DefaultSource = "Matches uvicorn's default.",
            Summary = "The event loop ASGI apps run on: uvloop when importable (auto), asyncio, or uvloop.",
            Description = "Each worker runs one event loop, on the thread that started Python. `auto` uses uvloop when it can be " +
                "imported (Debian: python3-uvloop) and asyncio's own loop otherwise; `uvloop` fails at start-up when it is missing. " +
                "ASGI apps only.",
            ApplyTo = static (options, value) => options.Loop = value,
        },
        new Setting<long>
        {
            Name = "ws-max-size",
            Type = SettingTypes.Size,
            Default = "16M",
            DefaultSource = "Matches uvicorn's default (16 MiB).",
            Summary = "Largest WebSocket message accepted; a larger one closes the connection with code 1009.",
            Description = "The largest WebSocket message, in bytes, after reassembling its frames and decompressing it. A larger " +
                "message closes the connection with code 1009 (message too big, RFC 6455 §7.4.1) and the app receives " +
                "`websocket.disconnect` with that code.",
            ApplyTo = static (options, value) => options.WebSocketMaxSize = value,
        },
        new Setting<bool>
        {
            Name = "ws-per-message-deflate",
            Type = SettingTypes.Boolean,
            Default = "true",
            DefaultSource = "Matches uvicorn's default.",
            Summary = "Offer permessage-deflate compression (RFC 7692) to WebSocket clients.",
            Description = "When the client offers permessage-deflate (RFC 7692), accept it and compress messages. Set it to false " +
                "to send and receive messages uncompressed (less CPU, more bytes on the wire).",
            ApplyTo = static (options, value) => options.WebSocketPerMessageDeflate = value,
        },
        new Setting<int>
        {
            Name = "ws-ping-interval",
            Type = SettingTypes.Integer(0, 86400),
            Default = "20",
            DefaultSource = "Matches uvicorn's default.",
            Summary = "Seconds between WebSocket pings to the client; 0 turns pings off.",
            Description = "Sends a WebSocket ping this often, so idle connections stay open through proxies and a vanished client " +
                "is noticed. 0 turns pings off.",
            ApplyTo = static (options, value) => options.WebSocketPingInterval = TimeSpan.FromSeconds(value),
        },
        new Setting<int>
        {
            Name = "ws-ping-timeout",
            Type = SettingTypes.Integer(0, 86400),
            Default = "20",
            DefaultSource = "Matches uvicorn's default.",
            Summary = "Seconds to wait for the answer to a WebSocket ping before closing the connection; 0 waits forever.",
            Description = "A client that does not answer a ping within this many seconds is taken to be gone: the connection is " +
                "closed and the app receives `websocket.disconnect` (code 1006). 0 waits forever.",
            ApplyTo = static (options, value) => options.WebSocketPingTimeout = TimeSpan.FromSeconds(value),
        },
        new Setting<string>
        {
            Name = "forwarded-allow-ips",
            Kind = SettingKind.List,
            Type = SettingTypes.TrustedPeer,
            AlsoEnvVar = "FORWARDED_ALLOW_IPS",
            Default = "127.0.0.1,::1",
            DefaultSource = "Matches gunicorn's and uvicorn's default, and their FORWARDED_ALLOW_IPS variable.",
            Summary = "Proxies whose Forwarded / X-Forwarded-* headers are believed: IPs, CIDR networks or *.",
            Description = "From these peers only, the request's client address, scheme and host come from the proxy headers: " +
                "RFC 7239 `Forwarded` when present, else `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host`. That sets " +
                "`REMOTE_ADDR`, `wsgi.url_scheme` and `HTTP_HOST` (ASGI: `client`, `scheme` and the host header). The client " +
                "address is the right-most one in the chain that is not itself a trusted proxy, so a client cannot choose its own " +
                "by sending the header. From any other peer the headers change nothing. A peer on a Unix socket is always " +
                "trusted: only local processes can connect. Repeat the option or separate entries with commas; `*` trusts every peer " +
                "(only behind a proxy that overwrites these headers).",
            ApplyTo = static (options, value) => (options.ForwardedAllowIps ??= []).Add(value),
        },
        new Setting<string>
        {
            Name = "certfile",
            Type = SettingTypes.PemCertificates,
            Default = "none (no TLS)",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "PEM certificate (intermediates after it) that turns every TCP bind into TLS 1.2/1.3 with HTTP/2 by ALPN.",
            Description = "The server's certificate in PEM, followed by any intermediate certificates to send with it. With it, " +
                "every HOST:PORT bind (and every TCP socket passed as `fd://N`) speaks TLS 1.2 or 1.3 only, and HTTP/2 or " +
                "HTTP/1.1 as the client's ALPN chooses. `unix:PATH` binds stay cleartext HTTP/1.1, for a proxy on the same " +
                "machine, and `h2c://HOST:PORT` binds stay cleartext HTTP/2. The private key is read from --keyfile, or from " +
                "this file when --keyfile is not given. Every problem (unreadable file, no certificate, a key that does not " +
                "match) is reported at start-up.",
            ApplyTo = static (options, value) => options.CertFile = value,
        },
        new Setting<string>
        {
            Name = "keyfile",
            Type = SettingTypes.PemPrivateKey,
            Default = "none (the key is in --certfile)",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "PEM private key (unencrypted RSA or EC) of --certfile.",
            Description = "The unencrypted RSA or EC private key of --certfile, in PEM. It must match the certificate; " +
                "encrypted keys are refused, since a server cannot ask for a passphrase.",
            ApplyTo = static (options, value) => options.KeyFile = value,
        },
        new Setting<string>
        {
            Name = "ca-certs",
            Type = SettingTypes.PemCertificates,
            Default = "none",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "PEM CA certificates that client certificates must chain to (with --cert-reqs).",
            Description = "The certificate authorities, in PEM, that a client certificate must chain to when --cert-reqs " +
                "asks for one. Only these are trusted for clients, never the system's store. It needs --certfile and " +
                "--cert-reqs optional or required.",
            ApplyTo = static (options, value) => options.CaCerts = value,
        },
        new Setting<Dram.Server.Hosting.ClientCertificates>
        {
            Name = "cert-reqs",
            Type = SettingTypes.ClientCertificateMode,
            Default = "none",
            DefaultSource = "Matches gunicorn's default (0, ssl.CERT_NONE).",
            Summary = "Ask TLS clients for a certificate: none, optional or required (gunicorn's 0, 1, 2).",
            Description = "Whether TLS binds ask clients for a certificate: `none` (0) does not; `optional` (1) asks, and a " +
                "client may send none, but a certificate it sends must chain to --ca-certs; `required` (2) fails the " +
                "handshake of a client without such a certificate. The numbers are gunicorn's (Python's ssl.CERT_*). " +
                "The app is not shown the certificate.",
            ApplyTo = static (options, value) => options.CertReqs = value,
        },
        new Setting<int>
        {
            Name = "max-pending",
            Type = SettingTypes.Integer(0, 1_000_000),
            Default = "1024",
            DefaultSource = "Dram's own: gunicorn has no such bound (its requests wait in the listen backlog); 1024 is half " +
                "of the default --backlog, the share Granian's backpressure gives each of two workers.",
            Summary = "Most requests waiting for a Python thread in a worker; more get 503 at once.",
            Description = "Admission control: when this many requests already wait for a Python thread in a worker, the next " +
                "one is answered `503 Service Unavailable` with `Retry-After: 1` at once, instead of waiting. It counts " +
                "requests, not connections, so idle keep-alive connections never use it up. 0 removes the bound.",
            ApplyTo = static (options, value) => options.MaxPending = value,
        },
        new Setting<int>
        {
            Name = "graceful-timeout",
            Type = SettingTypes.Integer(0, 86400),
            Default = "30",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Seconds a stopping worker gives in-flight requests and open connections before aborting them.",
            Description = "On SIGTERM or SIGINT, and when a worker is replaced (SIGHUP, --max-requests, --max-rss), the worker stops " +
                "accepting, answers the next request of each keep-alive connection with `Connection: close`, lets idle " +
                "connections reach the keep-alive timeout, and exits once no connection is left. After this many seconds it " +
                "aborts whatever remains; the supervisor kills a worker still running 5 seconds later.",
            ApplyTo = static (options, value) => options.GracefulTimeout = TimeSpan.FromSeconds(value),
        },
        new Setting<int>
        {
            Name = "max-requests",
            Type = SettingTypes.Integer(0, int.MaxValue),
            Default = "0",
            DefaultSource = "Matches gunicorn's default: 0 turns recycling off.",
            Summary = "Replace a worker after this many requests (0: never).",
            Description = "After this many requests a worker is replaced: a new worker starts, and once it is serving the old " +
                "one drains as on SIGTERM, so no request fails. A way to bound slow memory growth in an app. 0 turns it off.",
            ApplyTo = static (options, value) => options.MaxRequests = value,
        },
        new Setting<int>
        {
            Name = "max-requests-jitter",
            Type = SettingTypes.Integer(0, int.MaxValue),
            Default = "0",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Add up to this many requests, at random, to each worker's --max-requests.",
            Description = "Each worker's limit is --max-requests plus a random number from 0 to this, drawn when the worker " +
                "starts, so workers started together are not all replaced at the same moment.",
            ApplyTo = static (options, value) => options.MaxRequestsJitter = value,
        },
        new Setting<int>
        {
            Name = "max-rss",
            Type = SettingTypes.Integer(0, 1 << 20),
            Default = "0",
            DefaultSource = "Dram's own, after Granian's --workers-max-rss and uWSGI's reload-on-rss (gunicorn has none): 0 turns it off.",
            Summary = "Replace a worker whose resident memory passes this many MiB (0: never).",
            Description = "The supervisor reads each worker's resident memory (VmRSS) every second; a worker above this many " +
                "MiB is replaced as with --max-requests: the new worker serves before the old one drains.",
            ApplyTo = static (options, value) => options.MaxRss = (long)value << 20,
        },
        new Setting<int>
        {
            Name = "backlog",
            Type = SettingTypes.Integer(1, 65535),
            Default = "2048",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "The listen backlog: connections the kernel queues before a worker accepts them.",
            Description = "The number of connections the kernel queues on each listening socket before a worker accepts them " +
                "(the `backlog` of listen(2), capped by `net.core.somaxconn`). Connections queued while a worker restarts wait " +
                "here for the others.",
            ApplyTo = static (options, value) => options.Backlog = value,
        },
        new Setting<int>
        {
            Name = "umask",
            Type = new SettingType<int>("octal file mode mask from 0 to 777", "MASK", static raw =>
            {
                var digits = raw.StartsWith("0o", StringComparison.OrdinalIgnoreCase) ? raw[2..] : raw;
                return digits.Length is > 0 and <= 4 && digits.All(c => c is >= '0' and <= '7') && Convert.ToInt32(digits, 8) is var mask and <= 0x1FF
                    ? mask
                    : throw new SettingValueException("must be an octal mask from 0 to 777, e.g. 022");
            }),
            Default = "0",
            DefaultSource = "Matches gunicorn's default: any user (a web server running as another user) can connect to a unix: socket.",
            Summary = "Octal mask cleared from the mode of unix: socket files (0777 less MASK).",
            Description = "The permission bits cleared from each `unix:PATH` socket's file, in octal: its mode is 0777 less " +
                "MASK, so 0 lets every user connect, 007 only the owner and its group, 077 only the owner. " +
                "Connecting to a Unix socket needs write permission on its file.",
            ApplyTo = static (options, value) => options.Umask = value,
        },
        new Setting<string>
        {
            Name = "pid",
            Type = SettingTypes.FilePath,
            Default = "none",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Write the supervisor's pid to this file; it is removed at exit.",
            Description = "A file the supervisor writes its process id to when it starts, for scripts that send it signals. " +
                "It is removed when dram exits. A file that cannot be written makes dram exit with code 2.",
            ApplyTo = static (options, value) => options.PidFile = value,
        },
        new Setting<string>
        {
            Name = "user",
            Type = SettingTypes.User,
            Default = "the user dram was started as",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Run the worker processes as this user (name or uid); needs dram started as root.",
            Description = "The account the worker processes switch to, by name or uid. The supervisor binds the sockets " +
                "(ports below 1024 too), writes the pid file and then starts each worker, which switches user, group and " +
                "supplementary groups before it opens a log file or starts Python, so the app never runs as root. The supervisor " +
                "keeps its own identity, as gunicorn's arbiter does, so it can remove its socket and pid files at exit. The user's " +
                "primary group is used unless --group says otherwise. The supervisor creates the error and access log files and " +
                "gives them to that user (at start and after each SIGUSR1), as gunicorn does; the app's files and any TLS key must " +
                "be readable by it. An unknown user is an error at start-up, and so is switching when not started as root.",
            ApplyTo = static (options, value) => options.User = value,
        },
        new Setting<string>
        {
            Name = "group",
            Type = SettingTypes.Group,
            Default = "the --user's primary group",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Run the worker processes with this group (name or gid); needs dram started as root.",
            Description = "The group the worker processes switch to, by name or gid; see --user. Without --user, only the " +
                "group changes and the supplementary groups are dropped.",
            ApplyTo = static (options, value) => options.Group = value,
        },
        new Setting<long>
        {
            Name = "max-request-body",
            Type = SettingTypes.Size,
            Default = "1073741824",
            DefaultSource = "That is 1 GiB. Dram's own: gunicorn sets no limit and Kestrel's 30,000,000 bytes would refuse uploads that work " +
                "under gunicorn, so Dram uses a large but finite limit.",
            Summary = "Largest request body accepted; larger ones get 413.",
            Description = "The largest request body accepted, in bytes; a larger one is answered with 413 Payload Too Large " +
                "before the app sees it. Suffixes K, M, G and T (also KiB, MiB, GiB, TiB) are powers of 1024, so `10M` is " +
                "10485760 bytes.",
            ApplyTo = static (options, value) => options.MaxRequestBody = value,
        },
        new Setting<int>
        {
            Name = "limit-request-line",
            Type = SettingTypes.Integer(0, Dram.Server.Hosting.KestrelLimits.RequestBuffer),
            Default = "4094",
            DefaultSource = "Matches gunicorn's default, so an app that works behind gunicorn works behind Dram; it also fits " +
                "the 8 KiB header buffers of the proxies usually in front (nginx), while a URL that long is already unusual.",
            Summary = "Longest request line (method, target, version) in bytes; longer gets 414.",
            Description = "The longest request line accepted, in bytes, not counting its CRLF, as in gunicorn: `GET /path?query " +
                "HTTP/1.1`. A longer one is answered `414 URI Too Long` (RFC 9110 §15.5.15), the connection is closed, and the error " +
                "log gets a line naming the client. 0 lifts the limit to 1 MiB (Kestrel's request buffer); gunicorn's 0 means no limit.",
            ApplyTo = static (options, value) => options.LimitRequestLine = value,
        },
        new Setting<int>
        {
            Name = "limit-request-fields",
            Type = SettingTypes.Integer(0, Dram.Server.Hosting.KestrelLimits.MaxFields),
            Default = "100",
            DefaultSource = "Matches gunicorn's default (and Kestrel's): real clients and proxies send a few dozen at most.",
            Summary = "Most header fields in a request; more gets 431.",
            Description = "The most header fields a request may have. More are answered `431 Request Header Fields Too Large` " +
                "(RFC 6585 §5) and logged. 0 means 32768, gunicorn's ceiling.",
            ApplyTo = static (options, value) => options.LimitRequestFields = value,
        },
        new Setting<int>
        {
            Name = "limit-request-field_size",
            Alias = "limit-request-field-size",
            Type = SettingTypes.Integer(0, Dram.Server.Hosting.KestrelLimits.RequestBuffer),
            Default = "8190",
            DefaultSource = "Matches gunicorn's default (the name keeps gunicorn's underscore): room for a large cookie or a " +
                "bearer token, and the size of nginx's header buffer.",
            Summary = "Largest header field (name, colon, space and value) in bytes; larger gets 431.",
            Description = "The largest header field accepted, counted as its name, `: ` and its value. A larger one is answered " +
                "`431 Request Header Fields Too Large` before the app runs and logged with the field's name; gunicorn answers 400, but " +
                "RFC 6585 §5 defines 431 for a single field that is too large. All fields together may take --limit-request-fields " +
                "times this, up to 1 MiB. 0 removes the per-field limit (the 1 MiB total stays). `--limit-request-field-size`, " +
                "all dashes, is accepted too.",
            ApplyTo = static (options, value) => options.LimitRequestFieldSize = value,
        },
        new Setting<int>
        {
            Name = "keep-alive",
            Type = SettingTypes.Integer(1, 3600),
            Default = "5",
            DefaultSource = "Matches uvicorn's and hypercorn's default; gunicorn's is 2, Kestrel's 130. An idle connection costs Dram " +
                "no thread, and 5 s is enough for a browser's next request, shorter than the 60 s idle timeout of most load " +
                "balancers (so the balancer never reuses a connection Dram is closing).",
            Summary = "Seconds an idle keep-alive connection is kept open; then it is closed silently.",
            Description = "How long a connection may wait, idle, for its next request. Then Dram closes it without a response, " +
                "as RFC 9112 §9.5 allows for an idle connection. Behind a load balancer, keep this longer than the balancer's " +
                "idle timeout only if the balancer reuses connections (AWS ALB: 60 s).",
            ApplyTo = static (options, value) => options.KeepAlive = TimeSpan.FromSeconds(value),
        },
        new Setting<int>
        {
            Name = "header-timeout",
            Type = SettingTypes.Integer(1, 3600),
            Default = "30",
            DefaultSource = "Matches Kestrel's and Granian's default (--http1-header-read-timeout); gunicorn and uvicorn have none. " +
                "Slow headers hold only a little memory in Dram, never a Python thread, so the timeout can be generous for slow links.",
            Summary = "Seconds a client has to send a request's line and headers once it starts; slower gets 408 (slowloris).",
            Description = "Once the first byte of a request has arrived, its request line and headers must all arrive within this " +
                "many seconds. A client still sending them (a slowloris attack holds connections open this way) is answered " +
                "`408 Request Timeout`, the connection is closed, and the error log names the client. The name follows Node's " +
                "`headersTimeout` and Go's `ReadHeaderTimeout`.",
            ApplyTo = static (options, value) => options.HeaderTimeout = TimeSpan.FromSeconds(value),
        },
        new Setting<int>
        {
            Name = "min-body-rate",
            Type = SettingTypes.Integer(0, 1 << 30),
            Default = "240",
            DefaultSource = "Matches Kestrel's default; gunicorn, uvicorn and Granian have none. For a WSGI app a trickling upload " +
                "keeps a Python thread waiting in wsgi.input.read(), so Dram keeps Kestrel's floor: 240 bytes/s is far below any real link.",
            Summary = "Slowest request body accepted, in bytes per second after a 5 s grace period; slower gets 408 (0: off).",
            Description = "A request body must arrive at least this fast, measured after a 5 second grace period (Kestrel's). A " +
                "slower one is answered `408 Request Timeout` if the app has not started its response (the app's body read fails " +
                "either way), the connection is closed, and the error log names the client. 0 turns the check off.",
            ApplyTo = static (options, value) => options.MinBodyRate = value,
        },
        new Setting<LogLevel>
        {
            Name = "log-level",
            Type = SettingTypes.Choice(
                "LEVEL",
                ("debug", LogLevel.Debug),
                ("info", LogLevel.Information),
                ("warning", LogLevel.Warning),
                ("error", LogLevel.Error),
                ("critical", LogLevel.Critical)),
            Default = "info",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Least severe messages written to the error log.",
            Description = "The least severe messages written to the error log (--error-log). The names are gunicorn's " +
                "and match case-insensitively. --log-config can set other levels for some categories.",
            ApplyTo = static (options, value) => options.LogLevel = value,
        },
        new Setting<string>
        {
            Name = "error-log",
            Type = SettingTypes.LogTarget("standard error"),
            Default = "-",
            DefaultSource = "Matches gunicorn's default: standard error, for systemd's journal or a container's log.",
            Summary = "Where the error log goes: - for standard error, or a file to append to (reopened on SIGUSR1).",
            Description = "The server's messages and the app's output (print, sys.stderr, wsgi.errors). `-` is standard error; " +
                "any other value is a file, created if missing and opened for append (O_APPEND) by the supervisor and each " +
                "worker, one write per message, so their lines never split. On SIGUSR1 to the supervisor, it and every worker " +
                "reopen their log files by path (logrotate's rename-then-signal; see docs/operations.md). Errors in the " +
                "command line itself are always written to standard error.",
            ApplyTo = static (options, value) => options.ErrorLogPath = value,
        },
        new Setting<Dictionary<string, LogLevel>>
        {
            Name = "log-config",
            Type = SettingTypes.LogConfig,
            Default = "none",
            DefaultSource = "Dram's own: gunicorn's --log-config is a Python logging file; Dram reads the per-category levels of .NET's " +
                "appsettings.json instead, because its supervisor runs no Python.",
            Summary = "A JSON file of per-category log levels: {\"LogLevel\": {\"Default\": \"Information\", \"dram.limits\": \"Warning\"}}.",
            Description = "A JSON file with one key, `LogLevel`, an object of log categories and levels as in .NET's " +
                "appsettings.json: `{\"LogLevel\": {\"Default\": \"Information\", \"dram.limits\": \"Warning\", " +
                "\"Microsoft.AspNetCore\": \"Warning\"}}`. A category applies to every category it is a prefix of, and the " +
                "longest match wins; `Default` replaces --log-level. Levels are Trace, Debug, Information, Warning, Error, " +
                "Critical and None (any case; gunicorn's info, warning... too). Dram's categories are `dram` (start and stop), " +
                "`dram.wsgi`, `dram.asgi`, `dram.supervisor`, `dram.limits` (refused requests) and the framework's `Microsoft.*`. " +
                "The file is read at start-up: a missing file, bad JSON, another key or an unknown level stops dram with exit code 2.",
            ApplyTo = static (options, value) =>
            {
                foreach (var (category, level) in value)
                {
                    options.LogCategoryLevels[category] = level;
                }
            },
        },
        new Setting<string>
        {
            Name = "access-log",
            Type = SettingTypes.LogTarget("standard output"),
            Default = "off",
            DefaultSource = "Matches gunicorn's default: no access log unless --access-logfile is given.",
            Summary = "Write an access log line for each request: - for standard output, or a file to append to.",
            Description = "Writes one line per request when the request ends (also for 404s, 500s and requests whose app " +
                "raised), in the --access-log-format layout or as JSON (--access-log-json). `-` is standard output, as in " +
                "gunicorn (with several workers the supervisor passes their lines on); any other value is a file, created if " +
                "missing and opened for append (O_APPEND, so workers sharing it never overwrite each other's lines), one write " +
                "per line. Requests Kestrel refuses before Dram sees them (a malformed request line) are not logged. SIGUSR1 to " +
                "the supervisor reopens the file by path, as for --error-log.",
            ApplyTo = static (options, value) => options.AccessLog = value,
        },
        new Setting<string>
        {
            Name = "access-log-format",
            Type = new SettingType<string>("gunicorn access_log_format", "FORMAT", static raw =>
            {
                try
                {
                    Dram.Server.Logging.AccessLogFormat.Parse(raw);
                    return raw;
                }
                catch (FormatException e)
                {
                    throw new SettingValueException(e.Message, e);
                }
            }),
            Default = Dram.Server.Logging.AccessLogFormat.Default,
            DefaultSource = "Matches gunicorn's default access_log_format (the Apache combined log layout).",
            Summary = "The access log line, in gunicorn's %(atom)s syntax.",
            Description = "gunicorn's `access_log_format`: text with `%(atom)s` placeholders (`%%` is a literal %), so a " +
                "gunicorn format string works unchanged. Atoms: `h` remote address, `l` `-`, `u` user name from HTTP Basic " +
                "authentication (else `-`), `t` request start as `[10/Oct/2000:13:55:36 -0700]`, `r` request line " +
                "(`GET /path?q=1 HTTP/1.1`), `m` method, `U` path without the query, `q` query string, `H` protocol, `s` status, " +
                "`B` response body bytes, `b` the same (`-` when unknown), `f` Referer, `a` User-Agent, `T` request time in whole " +
                "seconds, `M` in milliseconds, `D` in microseconds, `L` in decimal seconds, `p` the worker's pid as `<pid>`, " +
                "`{name}i` a request header, `{name}o` a response header (`-` when absent). The body bytes are those the app " +
                "sent, before chunked framing. A double quote inside a value is written `\\\"`, as gunicorn does. Unlike " +
                "gunicorn, an unknown atom stops dram at start-up (exit code 2) instead of printing `-`; `{name}e` (the WSGI " +
                "environ) is not supported.",
            ApplyTo = static (options, value) => options.AccessLogFormat = value,
        },
        new Setting<bool>
        {
            Name = "access-log-json",
            Kind = SettingKind.Flag,
            Type = SettingTypes.Boolean,
            Default = "off",
            DefaultSource = "Dram's own: gunicorn has no JSON access log.",
            Summary = "Write the access log as one JSON object per line, instead of --access-log-format.",
            Description = "Each access log line is a JSON object with these keys, always in this order: `remote_addr`, " +
                "`time` (request start, ISO 8601 with microseconds and the local offset), `method`, `path`, `query` " +
                "(`\"\"` when none), `protocol`, `status` (a number), `bytes` (response body bytes, a number), " +
                "`duration_ms` (a number, to the microsecond), `referer` and `user_agent` (`null` when absent), `pid`. " +
                "--access-log-format is then ignored.",
            ApplyTo = static (options, value) => options.AccessLogJson = value,
        },
        new Setting<string>
        {
            Name = "metrics",
            Type = SettingTypes.TcpAddress,
            Default = "off",
            DefaultSource = "Dram's own: gunicorn only sends StatsD; off unless asked for, so nothing listens that was not configured.",
            Summary = "Serve Prometheus metrics, summed over the workers, at http://HOST:PORT/metrics.",
            Description = "The supervisor listens on HOST:PORT (separately from --bind: the app never sees these requests) and " +
                "answers `GET /metrics` in the Prometheus text format 0.0.4 (another path is 404, another method 405): requests by status, a " +
                "request-duration histogram, requests in flight, how long requests wait for Python, the interpreter's " +
                "GIL/event-loop lag, worker restarts by reason, serving workers and their memory. Counters are summed over " +
                "every worker and stay monotonic across worker restarts. Port 0 picks a free port (logged as \"Metrics at:\"). " +
                "[docs/metrics.md](metrics.md) lists every metric. An address already in use stops dram with exit code 1.",
            ApplyTo = static (options, value) => options.Metrics = value,
        },
    ];
}
