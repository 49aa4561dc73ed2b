using System.Text;
using System.Text.Json;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// POST /tokenize and POST /detokenize as llama-server has them: <c>{"content": TEXT}</c> → <c>{"tokens": [...]}</c>
/// (add_special adds BOS, default false; parse_special reads control-token texts, default true; with_pieces gives each
/// token as <c>{"id", "piece"}</c>) and <c>{"tokens": [...]}</c> → <c>{"content": TEXT}</c>. /tokenize also takes vLLM's
/// form: <c>prompt</c> (add_special_tokens, default true) or chat <c>messages</c> (through the chat template, which places
/// BOS itself), and return_token_strs; every answer carries vLLM's <c>count</c> and <c>max_model_len</c> too.
/// </summary>
internal sealed class TokenizeEndpoints(ModelHost host)
{
    public const string TokenizePath = "/tokenize";
    public const string DetokenizePath = "/detokenize";

    public async Task TokenizeAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.TokenizeRequest);
        var model = host.Require();
        int[] tokens = Tokens(model, request);
        string[]? strings = request.ReturnTokenStrings == true ? [.. tokens.Select(id => Encoding.UTF8.GetString(model.TokenBytes(id)))] : null;
        if (request.WithPieces == true)
            await JsonResponse.WriteAsync(context, new TokenPiecesResponse([.. tokens.Select(id => Piece(model, id))], tokens.Length, model.ContextLength, strings),
                ServerJsonContext.Web.TokenPiecesResponse);
        else
            await JsonResponse.WriteAsync(context, new TokenizeResponse(tokens, tokens.Length, model.ContextLength, strings), ServerJsonContext.Web.TokenizeResponse);
    }

    /// <summary>The ids of the one text the request gives: content (llama-server's), prompt or messages (vLLM's).</summary>
    static int[] Tokens(BitNetModel model, TokenizeRequest request)
    {
        int given = (request.Content is null ? 0 : 1) + (request.Prompt is null ? 0 : 1) + (request.Messages is null ? 0 : 1);
        if (given != 1)
            throw ApiException.BadRequest(given == 0 ? "content is required: the text to tokenize (or vLLM's prompt or messages)"
                : "give one of content, prompt and messages", given == 0 ? "content" : "messages");
        if (request.Messages is not null)
        {
            if (request.AddGenerationPrompt == false)
                throw ApiException.BadRequest("add_generation_prompt false is not supported: the prompt ends with the opening of the assistant's answer", "add_generation_prompt");
            return ChatPrompt.Render(model, request.Messages);
        }
        bool addBos = request.Content is not null ? request.AddSpecial ?? request.AddSpecialTokens ?? false : request.AddSpecialTokens ?? request.AddSpecial ?? true;
        return model.Tokenize(request.Content ?? request.Prompt!, addBos, request.ParseSpecial ?? true);
    }

    /// <summary>A token with its piece: the text where its bytes are UTF-8 on their own, else the bytes.</summary>
    static TokenPiece Piece(BitNetModel model, int id)
    {
        byte[] bytes = model.TokenBytes(id);
        var piece = System.Text.Unicode.Utf8.IsValid(bytes)
            ? JsonSerializer.SerializeToElement(Encoding.UTF8.GetString(bytes), ServerJsonContext.Web.String)
            : JsonSerializer.SerializeToElement([.. bytes.Select(b => (int)b)], ServerJsonContext.Web.Int32Array);
        return new TokenPiece(id, piece);
    }

    public async Task DetokenizeAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.DetokenizeRequest);
        var model = host.Require();
        if (request.Tokens is null) throw ApiException.BadRequest("tokens is required: an array of token ids", "tokens");
        string text;
        try
        {
            text = model.Detokenize(request.Tokens);
        }
        catch (ArgumentException e)
        {
            throw ApiException.BadRequest(e.Message.Split(" (Parameter")[0], "tokens");
        }
        await JsonResponse.WriteAsync(context, new DetokenizeResponse(text), ServerJsonContext.Web.DetokenizeResponse);
    }
}
