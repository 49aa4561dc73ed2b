using System.Runtime.CompilerServices;
using System.Text;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Scheduling;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu;

/// <summary>
/// A loaded model that runs many completions at once (continuous batching over <see cref="BitNetModelOptions.Parallel"/>
/// slots). Safe to call from many threads. Plain completions use llama-server's default sampling (see
/// <see cref="CompletionOptions"/>); chat goes through <see cref="RenderChat"/> or the <c>IChatClient</c> from
/// <c>model.AsChatClient()</c>.
/// <code>using var model = BitNetModel.Load("model.gguf");
/// await foreach (var piece in model.CompleteStreamingAsync("The state of the Union")) Console.Write(piece);</code>
/// </summary>
public sealed class BitNetModel : IDisposable
{
    static readonly HashSet<string> Roles = ["system", "user", "assistant"];

    readonly LoadedModel _model;
    readonly InferenceScheduler _scheduler;
    readonly ChatTemplate? _template;
    readonly string? _templateError;

    BitNetModel(string modelId, LoadedModel model, InferenceScheduler scheduler, ChatTemplate? template, string? templateError)
    {
        _model = model;
        _scheduler = scheduler;
        _template = template;
        _templateError = templateError;
        ModelId = modelId;
    }

    /// <summary>
    /// Loads a GGUF model. Bad options are an <see cref="ArgumentException"/> naming the option; a missing or malformed
    /// file throws the reader's exception naming the file.
    /// <code>using var model = BitNetModel.Load("model.gguf", new BitNetModelOptions { Backend = "cpu", Parallel = 4 });</code>
    /// </summary>
    public static BitNetModel Load(string path, BitNetModelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new BitNetModelOptions();
        options.Validate();
        var registry = new BackendRegistry();
        foreach (var provider in options.BackendProviders) registry.Register(provider);
        if (!options.Backend.Equals("auto", StringComparison.OrdinalIgnoreCase) && !registry.Providers.Any(p => p.Name.Equals(options.Backend, StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"Backend '{options.Backend}' is not known (choose from {string.Join(", ", registry.Names)}; GPU backends come from BackendProviders)", nameof(options.Backend));

        var loadOptions = new LoadOptions
        {
            Backend = options.Backend,
            BackendOptions = new BackendOptions { Threads = options.Threads, Device = options.Device, OutputType = options.OutputType },
            ContextLength = options.ContextLength,
            BatchSize = options.BatchSize,
            Parallel = options.Parallel,
        };
        var model = LoadedModel.Load(path, loadOptions, registry);
        try
        {
            var (template, templateError) = ChooseTemplate(model.Tokenizer.Vocabulary, options.ChatTemplate);
            var scheduler = new InferenceScheduler(model, new SchedulerOptions { MaxQueuedRequests = options.MaxQueuedRequests });
            return new BitNetModel(options.ModelId ?? Path.GetFileNameWithoutExtension(path), model, scheduler, template, templateError);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The template given in the options (an error naming ChatTemplate when it cannot be parsed), else the model's own; a
    /// model without one (or with one the renderer does not support) can still complete plain prompts, so that error
    /// waits for the first chat.
    /// </summary>
    static (ChatTemplate?, string?) ChooseTemplate(Vocabulary vocabulary, string? source)
    {
        if (source is not null)
        {
            try
            {
                return (new ChatTemplate(source, TokenText(vocabulary, vocabulary.BosId), TokenText(vocabulary, vocabulary.EosId)), null);
            }
            catch (ChatTemplateException e)
            {
                throw new ArgumentException($"ChatTemplate is not a supported chat template: {(e.InnerException ?? e).Message}", nameof(BitNetModelOptions.ChatTemplate), e);
            }
        }
        try
        {
            return (ChatTemplate.FromVocabulary(vocabulary), null);
        }
        catch (ChatTemplateException e)
        {
            return (null, $"{e.Message.Split(". ")[0]}; set BitNetModelOptions.ChatTemplate to chat with this model");
        }
    }

    static string TokenText(Vocabulary v, int? id) => id is { } i ? v.Tokens[i] : "";

    /// <summary>The model's name: <see cref="BitNetModelOptions.ModelId"/>, else its file name without the extension.</summary>
    public string ModelId { get; }

    /// <summary>The model's file, architecture, size, weight type and metadata.</summary>
    public ModelInfo Info => _info ??= ModelInfo.Of(_model);

    ModelInfo? _info;

    /// <summary>Positions each request's context holds (prompt and generated tokens together).</summary>
    public int ContextLength => _model.Graph.ContextLength;

    /// <summary>Requests generated at once.</summary>
    public int Parallel => _model.Graph.Sequences;

    /// <summary>Tokens in the vocabulary (token ids are 0 to VocabularySize - 1).</summary>
    public int VocabularySize => _model.Graph.VocabSize;

    /// <summary>Floats in one embedding (<see cref="EmbedAsync(string, EmbeddingOptions?, CancellationToken)"/>): the model's hidden size.</summary>
    public int EmbeddingLength => _model.Graph.EmbeddingLength;

    /// <summary>The backend the model runs on (cpu, cuda, opencl, vulkan, reference).</summary>
    public string Backend => _model.Backend.Name;

    /// <summary>What the scheduler is doing and has done: queued and running requests, tokens, completions, speed (for metrics).</summary>
    public SchedulerCounters Counters => _scheduler.Counters;

    /// <summary>Each slot's state: whether a request holds it, the tokens its KV cache holds, the running request's counts.</summary>
    public IReadOnlyList<SlotState> Slots => _scheduler.Slots;

    /// <summary>
    /// Token ids of <paramref name="text"/>; <paramref name="addBos"/> puts the beginning-of-text token first,
    /// <paramref name="parseSpecial"/> reads control-token texts (such as <c>&lt;|eot_id|&gt;</c>) as those tokens.
    /// <code>int[] ids = model.Tokenize("Hello", addBos: true, parseSpecial: false);</code>
    /// </summary>
    public int[] Tokenize(string text, bool addBos, bool parseSpecial)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _model.Tokenizer.Encode(text, addBos, parseSpecial);
    }

    /// <summary>
    /// The text of <paramref name="tokens"/> (control tokens left out). An id outside the vocabulary is an <see cref="ArgumentException"/>.
    /// <code>string text = model.Detokenize(ids);</code>
    /// </summary>
    public string Detokenize(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        CheckTokens(tokens, nameof(tokens));
        return _model.Tokenizer.Decode(tokens.ToArray());
    }

    /// <summary>
    /// The bytes token <paramref name="id"/> stands for (a control token's text for a control token); a piece of a
    /// multi-byte character may not be UTF-8 alone. An id outside the vocabulary is an <see cref="ArgumentException"/>.
    /// <code>byte[] piece = model.TokenBytes(ids[0]);</code>
    /// </summary>
    public byte[] TokenBytes(int id)
    {
        CheckTokens([id], nameof(id));
        return _model.Tokenizer.TokenBytes(id).ToArray();
    }

    /// <summary>
    /// The prompt tokens of a conversation rendered with the model's chat template (or <see cref="BitNetModelOptions.ChatTemplate"/>),
    /// ending with the opening of the assistant's answer. Roles are system, user and assistant; another role is an
    /// <see cref="ArgumentException"/> naming it. A model without a chat template is an <see cref="InvalidOperationException"/>.
    /// <code>int[] prompt = model.RenderChat([("system", "Be brief."), ("user", "Hello")]);</code>
    /// </summary>
    public int[] RenderChat(IReadOnlyList<(string Role, string Content)> messages)
    {
        return _model.Tokenizer.EncodePrompt(RenderChatText(messages)); // BOS unless the template wrote it
    }

    /// <summary>
    /// The text the chat template makes of a conversation (what <see cref="RenderChat"/> tokenizes, control tokens written
    /// as their text), ending with the opening of the assistant's answer. Refused as <see cref="RenderChat"/> refuses.
    /// <code>string prompt = model.RenderChatText([("user", "Hello")]);</code>
    /// </summary>
    public string RenderChatText(IReadOnlyList<(string Role, string Content)> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0) throw new ArgumentException("the conversation has no messages", nameof(messages));
        foreach (var (role, content) in messages)
        {
            if (role is null || !Roles.Contains(role))
                throw new ArgumentException($"message role '{role}' is not supported (use system, user or assistant)", nameof(messages));
            if (content is null) throw new ArgumentException($"a {role} message has no content", nameof(messages));
        }
        if (_template is null) throw new InvalidOperationException(_templateError);
        return _template.Render(messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList(), addGenerationPrompt: true);
    }

    /// <summary>The Jinja source of the chat template in use (the options' or the model's), or null when the model has none it can render.</summary>
    public string? ChatTemplateSource => _template?.Source;

    /// <summary>
    /// Starts a completion after <paramref name="promptTokens"/> and returns at once: the text streams from
    /// <see cref="CompletionStream.ReadAllAsync"/>, the counts and finish reason come from <see cref="CompletionStream.Completion"/>.
    /// Refused before it starts: invalid options (<see cref="ArgumentException"/> naming the option), a prompt longer than
    /// the context (<see cref="ContextOverflowException"/>), a full queue (<see cref="SchedulerQueueFullException"/>).
    /// <code>var stream = model.StartCompletion(model.RenderChat([("user", "Hi")]), new CompletionOptions { MaxTokens = 64 });</code>
    /// </summary>
    public CompletionStream StartCompletion(IReadOnlyList<int> promptTokens, CompletionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        options ??= new CompletionOptions();
        options.Validate(VocabularySize);
        if (promptTokens.Count == 0) throw new ArgumentException("the prompt is empty (no tokens)", nameof(promptTokens));
        CheckTokens(promptTokens, nameof(promptTokens));
        var request = options.ToRequest(ContextLength);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var inner = _scheduler.Submit(promptTokens, request, stop.Token);
            return new CompletionStream(inner, stop, promptTokens.Count, _model.Tokenizer);
        }
        catch
        {
            stop.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Streams the completion of a text prompt (tokenized with the vocabulary's BOS rule, control-token texts parsed).
    /// <code>await foreach (var piece in model.CompleteStreamingAsync("Once upon a time")) Console.Write(piece);</code>
    /// </summary>
    public IAsyncEnumerable<string> CompleteStreamingAsync(string prompt, CompletionOptions? options = null, CancellationToken cancellationToken = default) =>
        CompleteStreamingAsync(TokenizePrompt(prompt), options, cancellationToken);

    /// <summary>
    /// Streams the completion of <paramref name="promptTokens"/>; leaving the loop early cancels it.
    /// <code>await foreach (var piece in model.CompleteStreamingAsync(model.RenderChat([("user", "Hi")]))) Console.Write(piece);</code>
    /// </summary>
    public IAsyncEnumerable<string> CompleteStreamingAsync(IReadOnlyList<int> promptTokens, CompletionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var stream = StartCompletion(promptTokens, options, cancellationToken); // refused here, at the call, not at the first read
        return stream.ReadAllAsync(cancellationToken);
    }

    /// <summary>
    /// Completes a text prompt and returns the whole text with its token counts and finish reason.
    /// <code>var result = await model.CompleteAsync("Once upon a time", new CompletionOptions { MaxTokens = 32 });</code>
    /// </summary>
    public Task<CompletionResult> CompleteAsync(string prompt, CompletionOptions? options = null, CancellationToken cancellationToken = default) =>
        CompleteAsync(TokenizePrompt(prompt), options, cancellationToken);

    /// <summary>
    /// Completes <paramref name="promptTokens"/> and returns the whole text with its token counts and finish reason.
    /// <code>var result = await model.CompleteAsync(model.RenderChat([("user", "Hi")]));</code>
    /// </summary>
    public async Task<CompletionResult> CompleteAsync(IReadOnlyList<int> promptTokens, CompletionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var stream = StartCompletion(promptTokens, options, cancellationToken);
        var text = new StringBuilder();
        await foreach (var piece in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false)) text.Append(piece);
        return new CompletionResult(text.ToString(), await stream.Completion.ConfigureAwait(false));
    }

    /// <summary>
    /// The tokens of a text prompt as llama-server tokenizes one (and as <see cref="CompleteAsync(string, CompletionOptions?, CancellationToken)"/>
    /// does): BOS first when the vocabulary asks for it and the text does not start with it, control-token texts parsed.
    /// <code>var stream = model.StartCompletion(model.TokenizePrompt("Once upon a time"), options);</code>
    /// </summary>
    public int[] TokenizePrompt(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return _model.Tokenizer.EncodePrompt(prompt);
    }

    /// <summary>
    /// The embedding of a text (tokenized as <see cref="TokenizePrompt"/> does): its tokens' final hidden states pooled
    /// into <see cref="EmbeddingLength"/> floats (<see cref="EmbeddingOptions"/>: the mean, unit length, by default). It runs
    /// in the same steps as the completions, in a slot of its own.
    /// <code>float[] vector = await model.EmbedAsync("The state of the Union");</code>
    /// </summary>
    public Task<float[]> EmbedAsync(string text, EmbeddingOptions? options = null, CancellationToken cancellationToken = default) =>
        EmbedAsync(TokenizePrompt(text), options, cancellationToken);

    /// <summary>
    /// The embedding of <paramref name="tokens"/>. Refused at the call: no tokens or one outside the vocabulary
    /// (<see cref="ArgumentException"/>), more than the context (<see cref="ContextOverflowException"/>), a full queue
    /// (<see cref="SchedulerQueueFullException"/>).
    /// <code>float[] vector = await model.EmbedAsync(model.TokenizePrompt("Hello"), new EmbeddingOptions { Normalize = false });</code>
    /// </summary>
    public Task<float[]> EmbedAsync(IReadOnlyList<int> tokens, EmbeddingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        options ??= new EmbeddingOptions();
        options.Validate();
        if (tokens.Count == 0) throw new ArgumentException("the text is empty (no tokens)", nameof(tokens));
        CheckTokens(tokens, nameof(tokens));
        return _scheduler.EmbedAsync(tokens, options.Pooling, options.Normalize, cancellationToken);
    }

    /// <summary>
    /// The embeddings of several token lists, in order, at most <see cref="Parallel"/> of them running at once (so a long
    /// list does not fill the queue). Every list is checked before any runs: a bad one is an <see cref="ArgumentException"/>
    /// (or <see cref="ContextOverflowException"/>) naming its index.
    /// <code>float[][] vectors = await model.EmbedBatchAsync([model.TokenizePrompt("one"), model.TokenizePrompt("two")]);</code>
    /// </summary>
    public async Task<float[][]> EmbedBatchAsync(IReadOnlyList<IReadOnlyList<int>> texts, EmbeddingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        options ??= new EmbeddingOptions();
        options.Validate();
        for (int i = 0; i < texts.Count; i++)
        {
            string name = $"{nameof(texts)}[{i}]";
            ArgumentNullException.ThrowIfNull(texts[i], name);
            if (texts[i].Count == 0) throw new ArgumentException($"{name} is empty (no tokens)", name);
            CheckTokens(texts[i], name);
            if (texts[i].Count > ContextLength)
                throw new ArgumentException($"{name} is {texts[i].Count} tokens, more than the context length of {ContextLength}", name);
        }
        return await _scheduler.EmbedAllAsync(texts, options.Pooling, options.Normalize, cancellationToken).ConfigureAwait(false);
    }

    void CheckTokens(IReadOnlyList<int> tokens, string name)
    {
        foreach (int token in tokens)
            if ((uint)token >= (uint)VocabularySize)
                throw new ArgumentException($"token {token} is outside the vocabulary (0..{VocabularySize - 1})", name);
    }

    /// <summary>Stops every request (they end cancelled) and frees the model's memory.</summary>
    public void Dispose()
    {
        _scheduler.Dispose();
        _model.Dispose();
    }
}
