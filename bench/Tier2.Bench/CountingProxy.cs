using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tier2.Bench;

/// <summary>
/// A counting reverse proxy in front of Azurite's three services: the hosts get a connection string naming the
/// proxy's ports, and every HTTP request they make to storage (each one a billed transaction) is counted by kind on its
/// way through. Works for child processes (no hook into their Azure SDK pipelines needed).
/// </summary>
public sealed class CountingProxy : IAsyncDisposable
{
    public const string QueueIdle = "queue receive (empty)";

    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _forward = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,
        MaxConnectionsPerServer = 256,
    });

    private CountingProxy(WebApplication app, string connectionString)
    {
        _app = app;
        ConnectionString = connectionString;
    }

    /// <summary>An Azurite-style connection string naming the proxy's ports.</summary>
    public string ConnectionString { get; }

    public long Total => _counts.Values.Sum();

    public Dictionary<string, long> Snapshot() => new(_counts, StringComparer.Ordinal);

    public void Reset() => _counts.Clear();

    /// <summary>Starts the proxy for the Azurite named by <paramref name="azurite"/> (a connection string with explicit endpoints).</summary>
    public static async Task<CountingProxy> StartAsync(string azurite)
    {
        var parts = azurite.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        var services = new[] { ("blob", "BlobEndpoint"), ("queue", "QueueEndpoint"), ("table", "TableEndpoint") }
            .Select(s => (Service: s.Item1, Key: s.Item2, Target: new Uri(parts[s.Item2]), Port: FreePort())).ToList();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var s in services)
            {
                k.Listen(IPAddress.Loopback, s.Port);
            }

            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var connection = string.Join(';', parts.Select(p =>
        {
            var s = services.FirstOrDefault(s => string.Equals(s.Key, p.Key, StringComparison.OrdinalIgnoreCase));
            return s.Service is null ? $"{p.Key}={p.Value}" : $"{p.Key}=http://127.0.0.1:{s.Port}{s.Target.AbsolutePath.TrimEnd('/')}";
        })) + ";";
        var proxy = new CountingProxy(app, connection);
        var byPort = services.ToDictionary(s => s.Port);
        app.Run(context => proxy.ForwardAsync(context, byPort[context.Connection.LocalPort].Service, byPort[context.Connection.LocalPort].Target));
        await app.StartAsync();
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context, string service, Uri target)
    {
        var request = context.Request;
        var uri = new Uri($"{target.Scheme}://{target.Authority}{request.Path}{request.QueryString}");
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), uri) { Version = HttpVersion.Version11 };
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > 0 || request.ContentLength is not null || request.Headers.ContentType.Count > 0)
        {
            message.Content = new ByteArrayContent(body.ToArray());
        }

        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await _forward.SendAsync(message, context.RequestAborted);
        var bytes = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        Count(Classify(service, request.Method, request.Path.Value ?? "", request.Query["comp"].ToString(), (int)response.StatusCode, bytes));
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            context.Response.Headers[name] = values.ToArray();
        }

        if (!HttpMethods.IsHead(request.Method) && bytes.Length > 0)
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        }
    }

    private void Count(string key) => _counts.AddOrUpdate(key, 1, (_, n) => n + 1);

    internal static string Classify(string service, string method, string path, string comp, int status, byte[] body)
    {
        if (service == "table")
        {
            if (path.EndsWith("$batch", StringComparison.Ordinal))
            {
                return "table batch";
            }

            return method switch
            {
                "GET" => "table read/query",
                "POST" => "table insert",
                _ => "table write",
            };
        }

        if (service == "queue" && path.EndsWith("/messages", StringComparison.Ordinal))
        {
            if (method == "POST")
            {
                return "queue send";
            }

            if (method == "GET")
            {
                var empty = status == 200 && !System.Text.Encoding.UTF8.GetString(body).Contains("<QueueMessage>", StringComparison.Ordinal);
                return empty ? QueueIdle : "queue receive";
            }
        }

        if (service == "queue" && path.Contains("/messages/", StringComparison.Ordinal))
        {
            return method == "DELETE" ? "queue delete" : "queue update";
        }

        if (service == "blob" && comp.Length > 0)
        {
            return $"blob {comp}";
        }

        return $"{service} {method.ToLowerInvariant()}";
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forward.Dispose();
    }
}
