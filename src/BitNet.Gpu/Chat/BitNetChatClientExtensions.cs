using Microsoft.Extensions.AI;

namespace BitNet.Gpu;

/// <summary>
/// <see cref="IChatClient"/> for a <see cref="BitNetModel"/>.
/// <code>IChatClient client = model.AsChatClient();</code>
/// </summary>
public static class BitNetChatClientExtensions
{
    /// <summary>The model as an <see cref="IChatClient"/> (see <see cref="BitNetChatClient"/>); the model stays owned by the caller.
    /// <code>var answer = await model.AsChatClient().GetResponseAsync("Hello");</code></summary>
    public static IChatClient AsChatClient(this BitNetModel model) => new BitNetChatClient(model);
}
