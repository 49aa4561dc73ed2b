using System.Globalization;
using System.Text;

namespace BitNet.Gpu.Server.Metrics;

/// <summary>
/// GET /metrics in Prometheus' text exposition format (version 0.0.4): requests by outcome, tokens, queue depth, busy
/// slots, generation speed, and the process' memory. Written by hand: the scheduler already keeps every count, so a
/// metrics library would only copy them into its own registry at each scrape.
/// </summary>
internal static class PrometheusText
{
    /// <summary>The Content-Type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Render(RequestCounters requests, BitNetModel? model)
    {
        var text = new StringBuilder();
        Header(text, "bitnet_http_requests_total", "counter", "HTTP requests answered, by endpoint and outcome (ok, client_error, rejected, cancelled, error).");
        foreach (var ((endpoint, outcome), count) in requests.Snapshot())
            text.Append(CultureInfo.InvariantCulture, $"bitnet_http_requests_total{{endpoint=\"{endpoint}\",outcome=\"{outcome}\"}} {count}\n");

        Gauge(text, "bitnet_model_loaded", "1 when the model is loaded and serving, else 0.", model is null ? 0 : 1);
        if (model is not null)
        {
            var c = model.Counters;
            Counter(text, "bitnet_prompt_tokens_total", "Prompt tokens processed (a prefix reused from the KV cache is not counted).", c.PromptTokens);
            Counter(text, "bitnet_generated_tokens_total", "Tokens generated.", c.GeneratedTokens);
            Header(text, "bitnet_completions_total", "counter", "Completions that ended, by how: completed, cancelled (the client left) or failed.");
            Line(text, "bitnet_completions_total{outcome=\"completed\"}", c.Completed);
            Line(text, "bitnet_completions_total{outcome=\"cancelled\"}", c.Cancelled);
            Line(text, "bitnet_completions_total{outcome=\"failed\"}", c.Failed);
            Counter(text, "bitnet_embeddings_total", "Embeddings that finished (each input of /v1/embeddings).", c.Embedded);
            Counter(text, "bitnet_steps_total", "Forward steps the scheduler ran.", c.Steps);
            Gauge(text, "bitnet_requests_queued", "Requests waiting for a free slot.", c.Queued);
            Gauge(text, "bitnet_slots_busy", "Slots holding a request (processing its prompt or generating).", c.Running);
            Gauge(text, "bitnet_slots", "Slots in all (--parallel).", c.Slots);
            Gauge(text, "bitnet_generation_tokens_per_second", "Tokens generated per second over the last few seconds, all slots together.", c.GenerationTokensPerSecond);
        }
        Gauge(text, "process_resident_memory_bytes", "Resident memory of the server process.", Environment.WorkingSet);
        Gauge(text, "dotnet_gc_heap_bytes", "Bytes held by the .NET managed heap.", GC.GetTotalMemory(false));
        return text.ToString();
    }

    static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    static void Counter(StringBuilder text, string name, string help, long value)
    {
        Header(text, name, "counter", help);
        Line(text, name, value);
    }

    static void Gauge(StringBuilder text, string name, string help, double value)
    {
        Header(text, name, "gauge", help);
        text.Append(name).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    static void Line(StringBuilder text, string series, long value) =>
        text.Append(series).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
