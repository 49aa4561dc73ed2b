using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// POST /tokenize and POST /detokenize as llama-server has them: <c>{"content": TEXT}</c> → <c>{"tokens": [...]}</c>
/// (add_special adds BOS, default false; parse_special reads control-token texts, default true) and
/// <c>{"tokens": [...]}</c> → <c>{"content": TEXT}</c>.
/// </summary>
internal sealed class TokenizeEndpoints(ModelHost host)
{
    public const string TokenizePath = "/tokenize";
    public const string DetokenizePath = "/detokenize";

    public async Task TokenizeAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.TokenizeRequest);
        var model = host.Require();
        if (request.Content is null) throw ApiException.BadRequest("content is required: the text to tokenize", "content");
        int[] tokens = model.Tokenize(request.Content, request.AddSpecial ?? false, request.ParseSpecial ?? true);
        await JsonResponse.WriteAsync(context, new TokenizeResponse(tokens), ServerJsonContext.Web.TokenizeResponse);
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
