using System.Net;
using System.Text;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// Every kind of bad request is a 4xx with OpenAI's error object (message, type, param, code) naming the field at
/// fault, never a 500 or a stack trace, and the server goes on serving.
/// </summary>
[Collection(ServerCollection.Name)]
public class BadInputTests(ServerFixture fixture)
{
    const string Chat = "/v1/chat/completions";
    const string Completions = "/v1/completions";
    const string Responses = "/v1/responses";
    const string Embeddings = "/v1/embeddings";
    const string User = """[{"role": "user", "content": "Hello"}]""";

    static readonly string LongText = string.Concat(Enumerable.Repeat("the ", 400));

    public static TheoryData<string, string, int, string?, string> Cases => new()
    {
        // path, body, status, param, a word the message holds
        { Chat, """{"messages": [{"role": "user", "content": "Hello"}""", 400, null, "JSON" },
        { Chat, """{"messages": "Hello"}""", 400, "messages", "array" },
        { Chat, """{"messages": [{"role": 7, "content": "Hello"}]}""", 400, "messages[0].role", "string" },
        { Chat, $$"""{"messages": {{User}}, "temperature": "hot"}""", 400, "temperature", "number" },
        { Chat, $$"""{"messages": {{User}}, "stream": "yes"}""", 400, "stream", "true or false" },
        { Chat, """{"model": "x"}""", 400, "messages", "required" },
        { Chat, """{"messages": []}""", 400, "messages", "at least one" },
        { Chat, """{"messages": [{"role": "wizard", "content": "Hello"}]}""", 400, "messages[0].role", "wizard" },
        { Chat, """{"messages": [{"content": "Hello"}]}""", 400, "messages[0].role", "required" },
        { Chat, """{"messages": [{"role": "user"}]}""", 400, "messages[0].content", "required" },
        { Chat, """{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}""", 400, "messages[0].content[0]", "image_url" },
        { Chat, $$"""{"messages": {{User}}, "max_tokens": -5}""", 400, "max_tokens", "between 1 and" },
        { Chat, $$"""{"messages": {{User}}, "max_tokens": 0}""", 400, "max_tokens", "between 1 and" },
        { Chat, $$"""{"messages": {{User}}, "max_completion_tokens": 1000000}""", 400, "max_completion_tokens", "context length" },
        { Chat, $$"""{"messages": {{User}}, "max_tokens": 99999999999999}""", 400, "max_tokens", "integer" },
        { Chat, $$"""{"messages": {{User}}, "n": 0}""", 400, "n", "n must be 1 to 16" },
        { Completions, """{"prompt": "The", "n": 17}""", 400, "n", "n must be 1 to 16" },
        { Chat, $$"""{"messages": {{User}}, "top_p": 0}""", 400, "top_p", "top_p" },
        { Chat, $$"""{"messages": {{User}}, "temperature": -1}""", 400, "temperature", "temperature" },
        { Chat, $$"""{"messages": {{User}}, "top_k": -1}""", 400, "top_k", "top_k" },
        { Chat, $$"""{"messages": {{User}}, "stop": 12}""", 400, "stop", "string" },
        { Chat, $$"""{"messages": {{User}}, "stop": ["ok", ""]}""", 400, "stop", "non-empty" },
        { Chat, $$"""{"messages": {{User}}, "seed": -7}""", 400, "seed", "seed" },
        { Chat, $$$"""{"messages": {{{User}}}, "logit_bias": {"hello": 1}}""", 400, "logit_bias", "hello" },
        { Chat, $$$"""{"messages": {{{User}}}, "logit_bias": {"999999": 1}}""", 400, "logit_bias", "999999" },
        { Chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"" + LongText + "\"}]}", 400, "messages", "context length" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}], "extra": """ + new string('[', 40) + new string(']', 40) + "}", 400, null, "nested deeper" },
        { Embeddings, "{}", 400, "input", "required" },
        { Embeddings, """{"input": 5}""", 400, "input", "string or an array" },
        { Embeddings, """{"input": []}""", 400, "input", "empty array" },
        { Embeddings, """{"input": ""}""", 400, "input", "empty string" },
        { Embeddings, """{"input": ["ok", 7]}""", 400, "input", "input[1] must be a string or an array of token ids" },
        { Embeddings, """{"input": [[1, 2], []]}""", 400, "input", "input[1] is empty" },
        { Embeddings, """{"input": ["ok", ""]}""", 400, "input", "input[1] is an empty string" },
        { Embeddings, """{"input": [1, 99999999]}""", 400, "input", "input[1] = 99999999 is outside the vocabulary" },
        { Embeddings, """{"input": [[1, 2.5]]}""", 400, "input", "input[0][1] must be a token id" },
        { Embeddings, """{"input": "x", "encoding_format": "hex"}""", 400, "encoding_format", "hex" },
        { Embeddings, """{"input": "x", "dimensions": 3}""", 400, "dimensions", "embedding length" },
        { Embeddings, """{"input": "x", "dimensions": "3"}""", 400, "dimensions", "wrong type" },
        { Embeddings, "{\"input\": [\"ok\", \"" + LongText + "\"]}", 400, "input", "input[1] is" },
        { Embeddings, "{\"input\": [" + string.Join(", ", Enumerable.Repeat("\"a\"", 2049)) + "]}", 400, "input", "at most 2048" },
        { Chat, "[1, 2]", 400, null, "JSON object" },
        { Chat, "null", 400, null, "null" },
        { Chat, "", 400, null, "empty" },
        { Chat, $$"""{"messages": {{User}}, "logprobs": true, "top_logprobs": 21}""", 400, "top_logprobs", "0 to 20" },
        { Chat, $$"""{"messages": {{User}}, "top_logprobs": 2}""", 400, "top_logprobs", "needs logprobs" },
        { Chat, $$"""{"messages": {{User}}, "logprobs": 3}""", 400, "logprobs", "true or false" },
        { Chat, $$$"""{"messages": {{{User}}}, "response_format": {"type": "json_schema"}}""", 400, "response_format", "json_schema.schema is required" },
        { Chat, """{"messages": [{"role": "user", "content": "Hello"}], "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "properties": {"a": {"type": "string", "pattern": "^(?<=x)"}}}}}}""", 400, "response_format", "#/properties/a: \"pattern\" uses lookbehind" },
        { Chat, """{"messages": [{"role": "user", "content": "Hello"}], "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "properties": {"a": {"type": "string", "pattern": "[a-"}}}}}}""", 400, "response_format", "#/properties/a: \"pattern\" is not a valid regular expression" },
        { Chat, """{"messages": [{"role": "user", "content": "Hello"}], "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "properties": {"a": {"type": "string", "pattern": "\ud83d"}}}}}}""", 400, "response_format", "#/properties/a/pattern: a string with a lone surrogate" },
        { Chat, """{"messages": [{"role": "user", "content": "Hello"}], "response_format": {"type": "json_schema", "json_schema": {"schema": {"type": "text"}}}}""", 400, "response_format", "unknown type" },
        { Chat, """{"messages": [{"role": "user", "content": "Hello"}], "response_format": {"type": "json_schema", "json_schema": {"schema": {"type": "array"}}}}""", 400, "response_format", "root must allow an object" },
        { Chat, """{"messages": [{"role": "user", "content": "Hello"}], "response_format": {"type": "json_schema", "json_schema": {"schema": {"$ref": "#/$defs/x"}}}}""", 400, "response_format", "points to nothing" },
        { Chat, """{"messages": [{"role": "user", "content": "Hello"}], "response_format": {"type": "json_schema", "json_schema": {"schema": 7}}}""", 400, "response_format", "must be an object" },
        { Completions, """{"prompt": "Hi", "response_format": {"type": "json_object", "schema": {"type": "object", "properties": {"n": {"type": "number", "multipleOf": 0.0000000001}}}}}""", 400, "response_format", "multipleOf" },
        { Chat, $$$"""{"messages": {{{User}}}, "response_format": {"type": "xml"}}""", 400, "response_format", "xml" },
        { Chat, $$$"""{"messages": {{{User}}}, "response_format": {}}""", 400, "response_format", "required" },
        { Chat, $$$"""{"messages": {{{User}}}, "response_format": "json"}""", 400, "response_format", "wrong type" },
        { Completions, """{"max_tokens": 4}""", 400, "prompt", "required" },
        { Completions, """{"prompt": 42}""", 400, "prompt", "string" },
        { Completions, """{"prompt": ""}""", 400, "prompt", "empty" },
        { Completions, """{"prompt": ["one", "two"]}""", 400, "prompt", "one prompt" },
        { Completions, """{"prompt": [1, 2, 100000]}""", 400, "prompt", "vocabulary" },
        { Completions, """{"prompt": [1, "x"]}""", 400, "prompt", "token id" },
        { Completions, "{\"prompt\": \"" + LongText + "\"}", 400, "prompt", "context length" },
        { Completions, """{"prompt": "The", "max_tokens": 256}""", 400, "prompt", "together exceed" },
        { Completions, """{"prompt": "The", "logprobs": -1}""", 400, "logprobs", "0 to 20" },
        { Completions, """{"prompt": "The", "logprobs": 99}""", 400, "logprobs", "0 to 20" },
        { Completions, """{"prompt": "The", "logprobs": true}""", 400, "logprobs", "integer" },
        { Completions, """{"prompt": "The", "echo": true, "max_tokens": -1}""", 400, "max_tokens", "between 0 and" },
        { Completions, """{"prompt": "The", "max_tokens": 0}""", 400, "max_tokens", "between 1 and" },
        { Completions, """{"prompt": "The", "prompt_logprobs": 21}""", 400, "prompt_logprobs", "0 to 20" },
        { Completions, """{"prompt": "The", "prompt_logprobs": -1}""", 400, "prompt_logprobs", "0 to 20" },
        { Completions, """{"prompt": "The", "prompt_logprobs": 1, "stream": true}""", 400, "prompt_logprobs", "stream" },
        { Completions, """{"prompt": "The", "prompt_logprobs": "all"}""", 400, "prompt_logprobs", "integer" },
        { Chat, $$"""{"messages": {{User}}, "prompt_logprobs": 2, "stream": true}""", 400, "prompt_logprobs", "stream" },
        { Chat, $$"""{"messages": {{User}}, "prompt_logprobs": 99}""", 400, "prompt_logprobs", "0 to 20" },
        { Chat, $$"""{"messages": {{User}}, "grammar": "root ::= [a"}""", 400, "grammar", "line 1, column 12" },
        { Chat, $$"""{"messages": {{User}}, "grammar": "root ::= root \"a\""}""", 400, "grammar", "left-recursive" },
        { Chat, $$$"""{"messages": {{{User}}}, "grammar": "root ::= \"a\"", "response_format": {"type": "json_object"}}""", 400, "grammar", "cannot be combined" },
        { Chat, $$$"""{"messages": {{{User}}}, "grammar": "root ::= \"a\"", "tools": [{"type": "function", "function": {"name": "f"}}]}""", 400, "grammar", "tools" },
        { Completions, """{"prompt": "The", "grammar": "item ::= \"a\""}""", 400, "grammar", "root" },
        { Completions, """{"prompt": "The", "grammar": 7}""", 400, "grammar", "string" },
        { "/tokenize", """{"text": "Hello"}""", 400, "content", "required" },
        { "/tokenize", """{"content": "Hello", "prompt": "Hello"}""", 400, "messages", "one of content, prompt and messages" },
        { "/tokenize", """{"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": false}""", 400, "add_generation_prompt", "not supported" },
        { "/tokenize", """{"messages": []}""", 400, "messages", "at least one" },
        { "/detokenize", """{"tokens": [1, -3]}""", 400, "tokens", "vocabulary" },
        { "/detokenize", """{"tokens": "abc"}""", 400, "tokens", "array" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "retrieval"}]}""", 400, "tools[0].type", "function" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "function"}]}""", 400, "tools[0].function", "required" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "function", "function": {"name": "a b"}}]}""", 400, "tools[0]", "tools[0].name" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"q": {"type": "string", "pattern": "(a)\\1"}}}}}]}""", 400, "tools[0]", "backreference" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "f"}}]}""", 400, "tools[1]", "twice" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"type": "function", "function": {"name": "g"}}}""", 400, "tool_choice", "'g'" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "always"}""", 400, "tool_choice", "always" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}], "tool_choice": "required"}""", 400, "tool_choice", "tools is empty" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "function", "function": {"name": "f"}}], "response_format": {"type": "json_object"}}""", 400, "response_format", "tools" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "tool_calls": [{"id": "c", "type": "function"}]}]}""", 400, "messages[1].tool_calls[0].function", "required" },
        { Chat, """{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": 7}}]}]}""", 400, "messages[1].tool_calls[0].function.arguments", "string" },
        { Chat, """{"messages": [{"role": "tool", "tool_call_id": "c"}]}""", 400, "messages[0].content", "required" },
        { Responses, """{"model": "x"}""", 400, "input", "required" },
        { Responses, """{"input": 7}""", 400, "input", "string or an array" },
        { Responses, """{"input": []}""", 400, "input", "at least one" },
        { Responses, """{"input": [7]}""", 400, "input[0]", "object" },
        { Responses, """{"input": [{"content": "Hi"}]}""", 400, "input[0]", "a type" },
        { Responses, """{"input": [{"type": "item_reference", "id": "x"}]}""", 400, "input[0].type", "item_reference" },
        { Responses, """{"input": [{"role": "wizard", "content": "Hi"}]}""", 400, "input[0].role", "wizard" },
        { Responses, """{"input": [{"role": "user"}]}""", 400, "input[0].content", "required" },
        { Responses, """{"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]}""", 400, "input[0].content[0]", "input_image" },
        { Responses, """{"input": [{"role": "user", "content": [{"type": "input_text"}]}]}""", 400, "input[0].content[0].text", "required" },
        { Responses, """{"input": [{"type": "function_call", "call_id": "c", "arguments": "{}"}]}""", 400, "input[0].name", "required" },
        { Responses, """{"input": [{"type": "function_call_output", "call_id": "c"}]}""", 400, "input[0].output", "required" },
        { Responses, """{"input": [{"type": "function_call_output", "output": "x"}]}""", 400, "input[0].call_id", "required" },
        { Responses, "{\"input\": \"" + LongText + "\"}", 400, "input", "context length" },
        { Responses, """{"input": "Hi", "max_output_tokens": 0}""", 400, "max_output_tokens", "between 1 and" },
        { Responses, """{"input": "Hi", "max_output_tokens": 256}""", 400, "input", "together exceed" },
        { Responses, """{"input": "Hi", "temperature": -1}""", 400, "temperature", "temperature" },
        { Responses, """{"input": "Hi", "top_logprobs": 21}""", 400, "top_logprobs", "0 to 20" },
        { Responses, """{"input": "Hi", "text": {"format": {"type": "xml"}}}""", 400, "text.format", "xml" },
        { Responses, """{"input": "Hi", "text": {"format": {}}}""", 400, "text.format", "required" },
        { Responses, """{"input": "Hi", "text": {"format": {"type": "json_schema", "name": "x"}}}""", 400, "text.format", "schema is required" },
        { Responses, """{"input": "Hi", "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "array"}}}}""", 400, "text.format", "root must allow an object" },
        { Responses, """{"input": "Hi", "tools": [{"type": "web_search"}]}""", 400, "tools[0].type", "hosted tools" },
        { Responses, """{"input": "Hi", "tools": [{"type": "function", "name": "a b"}]}""", 400, "tools[0]", "tools[0].name" },
        { Responses, """{"input": "Hi", "tools": [{"type": "function", "name": "f"}], "tool_choice": {"type": "function", "name": "g"}}""", 400, "tool_choice", "'g'" },
        { Responses, """{"input": "Hi", "tools": [{"type": "function", "name": "f"}], "tool_choice": {"type": "file_search"}}""", 400, "tool_choice", "tool_choice must be" },
        { Responses, """{"input": "Hi", "tools": [{"type": "function", "name": "f"}], "text": {"format": {"type": "json_object"}}}""", 400, "text.format", "tools" },
        { Responses, """{"input": "Hi", "previous_response_id": "resp_unknown"}""", 400, "previous_response_id", "resp_unknown" },
        { Responses, """{"input": "Hi", "background": true}""", 400, "background", "background" },
        { Responses, """{"input": "Hi", "conversation": "conv_1"}""", 400, "conversation", "previous_response_id" },
        { Responses, """{"input": "Hi", "metadata": [1]}""", 400, "metadata", "object" },
        { "/v1/nothing", "{}", 404, null, "no endpoint" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_IsA4xxNamingTheField_AndTheServerGoesOn(string path, string body, int status, string? param, string word)
    {
        var answer = await fixture.Client.PostAsync(path, body);
        AssertError(answer, status, param, word);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.GetAsync("/health")).Status);
    }

    [Fact]
    public async Task InvalidUtf8_IsA400()
    {
        var body = Encoding.UTF8.GetBytes("""{"messages": [{"role": "user", "content": "caf""").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\"}]}")).ToArray();
        AssertError(await fixture.Client.PostBytesAsync(Chat, body), 400, null, "UTF-8");
    }

    [Fact]
    public async Task AnEscapedLoneSurrogate_IsA400()
    {
        var answer = await fixture.Client.PostAsync(Chat, """{"messages": [{"role": "user", "content": "\ud800"}]}""");
        AssertError(answer, 400, null, "valid");
    }

    [Fact]
    public async Task ABodyOverTheLimit_Is413()
    {
        var body = Encoding.UTF8.GetBytes($$"""{"prompt": "{{new string('a', 2 << 20)}}"}""");
        AssertError(await fixture.Client.PostBytesExpectingContinueAsync(Completions, body), 413, null, "limit of 1048576 bytes");
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.GetAsync("/health")).Status);
    }

    [Fact]
    public async Task AWrongMethod_Is405WithTheErrorObject()
    {
        var answer = await fixture.Client.SendAsync(HttpMethod.Delete, "/v1/models", null);
        AssertError(answer, 405, null, "DELETE");
    }

    static void AssertError(ServerClient.Answer answer, int status, string? param, string word)
    {
        Assert.True((int)answer.Status == status, $"expected {status}, got {(int)answer.Status}: {answer.Text}");
        var (message, type, actualParam, _) = answer.Error;
        Assert.Contains(word, message);
        Assert.Equal(param, actualParam);
        Assert.Equal(status == 404 ? "not_found_error" : "invalid_request_error", type);
        Assert.DoesNotContain(" at System.", message);
        Assert.DoesNotContain(" at BitNet.", message);
        Assert.DoesNotContain("Exception", message);
        Assert.DoesNotContain("System.", message);
    }
}
