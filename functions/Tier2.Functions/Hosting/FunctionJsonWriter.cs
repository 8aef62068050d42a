using System.Text;
using System.Text.Json;

namespace Tier2.Functions.Hosting;

/// <summary>
/// Writes one folder per function with its <c>function.json</c>, the layout the Functions host loads from a
/// published custom-handler app.
/// </summary>
public static class FunctionJsonWriter
{
    public static string ToJson(FunctionDefinition function)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("bindings");
            switch (function.Trigger)
            {
                case HttpTrigger http:
                    json.WriteStartObject();
                    json.WriteString("type", "httpTrigger");
                    json.WriteString("direction", "in");
                    json.WriteString("name", "req");
                    // The app authenticates callers itself (JWT bearer); the host must not ask for function keys.
                    json.WriteString("authLevel", "anonymous");
                    json.WriteString("route", http.Route);
                    json.WriteStartArray("methods");
                    foreach (var method in http.Methods)
                    {
                        json.WriteStringValue(method.ToLowerInvariant());
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                    json.WriteStartObject();
                    json.WriteString("type", "http");
                    json.WriteString("direction", "out");
                    json.WriteString("name", "res");
                    json.WriteEndObject();
                    break;
                case QueueTrigger queue:
                    json.WriteStartObject();
                    json.WriteString("type", "queueTrigger");
                    json.WriteString("direction", "in");
                    json.WriteString("name", HostInvoker.QueueBindingName);
                    json.WriteString("queueName", queue.QueueName);
                    json.WriteString("connection", "AzureWebJobsStorage");
                    json.WriteEndObject();
                    break;
                case TimerTrigger timer:
                    json.WriteStartObject();
                    json.WriteString("type", "timerTrigger");
                    json.WriteString("direction", "in");
                    json.WriteString("name", HostInvoker.TimerBindingName);
                    json.WriteString("schedule", timer.Schedule);
                    json.WriteBoolean("runOnStartup", false);
                    json.WriteBoolean("useMonitor", true);
                    json.WriteEndObject();
                    break;
                default:
                    throw new InvalidOperationException($"Function '{function.Name}' has an unknown trigger.");
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    public static IReadOnlyList<string> WriteAll(FunctionCatalog catalog, string outputDirectory)
    {
        var written = new List<string>();
        foreach (var function in catalog.Functions)
        {
            var folder = Path.Combine(outputDirectory, function.Name);
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, "function.json");
            File.WriteAllText(path, ToJson(function));
            written.Add(path);
        }

        return written;
    }
}
