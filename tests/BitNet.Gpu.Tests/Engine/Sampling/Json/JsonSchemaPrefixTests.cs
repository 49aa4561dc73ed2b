using System.Text;
using System.Text.Json;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling.Json;

/// <summary>
/// The schema automaton: instances that satisfy a schema are taken byte by byte and complete at their end; hand-picked
/// violations are refused at the byte where they go wrong; and fresh random one-byte mutations of random instances are
/// taken whole exactly when they are one JSON object (<see cref="JsonPrefix"/>, itself checked against
/// System.Text.Json) that <see cref="JsonSchemaOracle"/> finds valid.
/// </summary>
public class JsonSchemaPrefixTests
{
    /// <summary>What Microsoft.Extensions.AI 11's GetResponseAsync&lt;Weather&gt; sends (a record with a nullable int, an enum, a list, a date, a double and itself).</summary>
    internal const string Weather = """
        {"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"city":{"type":"string"},"temperature":{"type":["integer","null"]},"kind":{"type":"string","enum":["Sunny","Rainy"]},"tags":{"type":"array","items":{"type":"string"}},"when":{"type":"string","format":"date-time"},"wind":{"type":"number"},"next":{"type":["object","null"],"properties":{"city":{"type":"string"},"temperature":{"type":["integer","null"]},"kind":{"type":"string","enum":["Sunny","Rainy"]},"tags":{"$ref":"#/properties/tags","items":{}},"when":{"type":"string","format":"date-time"},"wind":{"type":"number"},"next":{"$ref":"#/properties/next"}},"required":["city","temperature","kind","tags","when","wind","next"]}},"required":["city","temperature","kind","tags","when","wind","next"]}
        """;

    internal const string Bounded = """
        {"type":"object","properties":{"id":{"type":"integer"},"tags":{"type":"array","items":{"type":"string","minLength":1,"maxLength":3},"minItems":1,"maxItems":2},
         "mode":{"enum":["on","off",1,null,true]},"extra":{"type":"object","additionalProperties":{"type":"boolean"}},"score":{"type":"number","nullable":true},
         "level":{"type":"integer","minimum":-12,"maximum":250},"odd":{"type":["integer","null"],"exclusiveMinimum":5,"exclusiveMaximum":9.5}},
         "required":["id","tags"]}
        """;

    internal const string Recursive = """
        {"type":"object","properties":{"v":{"anyOf":[{"type":"string","minLength":2},{"type":"number"},{"type":"null"}]},"d":{"$ref":"#/$defs/node"},
         "c":{"oneOf":[{"enum":["x","y"]},{"type":"null"}]},
         "one":{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"string"}},"additionalProperties":{"type":"null"},"minProperties":1,"maxProperties":1}},
         "$defs":{"node":{"type":"object","properties":{"n":{"type":"integer"},"next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["n"]}},
         "additionalProperties":true}
        """;

    /// <summary>Strings held to patterns and formats; "examples" (an annotation) are what the random instances use.</summary>
    internal const string Patterned = """
        {"type":"object","properties":{
         "code":{"type":"string","pattern":"^[A-Z]{2}-\\d{3,4}$","examples":["AB-123","ZZ-9999"]},
         "word":{"type":"string","pattern":"b+c","maxLength":5,"examples":["bc","abbc","xbcx"]},
         "when":{"type":"string","format":"date-time","examples":["2026-12-07T10:00:00Z","1999-01-31T23:59:59.1234567+05:30"]},
         "day":{"type":"string","format":"date","examples":["2026-02-28","2000-10-31","0001-01-01"]},
         "at":{"type":"string","format":"time","examples":["00:00:00","12:30:59.5"]},
         "id":{"type":["string","null"],"format":"uuid","examples":["0f8fad5b-d9cb-469f-a165-70867728950e"]},
         "span":{"type":"string","maxLength":20,"pattern":"^-?(\\d+\\.)?\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,7})?$","examples":["1.02:03:04","-00:00:01.5"]},
         "wide":{"type":"string","pattern":"é|\\u00e8|[\\u4e00-\\u9fff]","maxLength":4,"examples":["é","x日y","\u00e8"]},
         "kind":{"enum":["A-1","B-22","c"],"pattern":"^[A-Z]-\\d+$"},
         "quote":{"type":"string","pattern":"^\\n[\"/]$","examples":["\n\"","\n/"]},
         "tag":{"type":"string","pattern":"^[^<>]*$","examples":["ab","x y",""]},
         "ip4":{"type":"string","format":"ipv4","examples":["192.168.0.1","0.0.0.0","255.255.255.255"]},
         "ip6":{"type":"string","format":"ipv6","examples":["::1","fe80::1:2","::ffff:10.0.0.1","2001:DB8::8:800:200C:417A"]},
         "mail":{"type":"string","format":"email","maxLength":40,"examples":["a@b","x.y+z@mail.example.com","o'neil@x-1.org"]},
         "host":{"type":"string","format":"hostname","maxLength":80,"examples":["localhost","a-b.c9.example","1.2.3.4"]},
         "dur":{"type":"string","format":"duration","maxLength":24,"examples":["P1Y2M3DT4H5M6S","PT0S","P3W","P1M","PT1H30M"]}},
         "required":["code"]}
        """;

    /// <summary>Numbers that may have a fraction, under bounds of each kind.</summary>
    internal const string Numbers = """
        {"type":"object","properties":{
         "p":{"type":"number","minimum":0,"maximum":1,"examples":[0,0.5,1]},
         "t":{"type":"number","exclusiveMinimum":-273.15,"maximum":1e3,"examples":[-273.1,20.25,1000]},
         "s":{"type":["number","null"],"minimum":2.5,"exclusiveMaximum":2.75,"examples":[2.5,2.7,null]},
         "n":{"exclusiveMaximum":0,"type":"number","examples":[-1,-0.5]},
         "big":{"type":"number","minimum":100000,"examples":[100000,123456.75]},
         "e":{"enum":[0.5,2.5,1e1],"maximum":2.5},
         "five":{"type":"integer","multipleOf":5,"minimum":-12,"maximum":23,"examples":[-10,0,20]},
         "even":{"type":"number","multipleOf":2,"examples":[4,-8,100]},
         "m":{"enum":[3,6,7,9.0],"multipleOf":3}},
         "required":["p"]}
        """;

    /// <summary>Numbers held to a multipleOf with a fraction: a power of ten, a quarter, 2.5 (on integers too).</summary>
    internal const string Steps = """
        {"type":"object","properties":{
         "cents":{"type":"number","multipleOf":0.01,"minimum":0,"maximum":1000,"examples":[0,12.5,3.99,1000]},
         "tenths":{"type":"number","multipleOf":0.1,"examples":[-1.5,2,0.3]},
         "rate":{"type":"number","multipleOf":0.001,"exclusiveMinimum":0.0005,"exclusiveMaximum":0.02,"examples":[0.001,0.019]},
         "whole":{"type":"integer","multipleOf":0.5,"examples":[3,-4]},
         "quarter":{"type":"number","multipleOf":0.25,"minimum":-1,"examples":[0.75,-1,2]},
         "shoe":{"type":"number","multipleOf":2.5,"maximum":50,"examples":[7.5,-5,50]},
         "fifths":{"type":"integer","multipleOf":2.5,"examples":[5,-10]}}}
        """;

    /// <summary>A step that is no power of ten at 10^18, where one number of 28 digits is the only multiple in the bounds.</summary>
    internal const string Huge = """{"properties":{"huge":{"type":"number","multipleOf":0.000000003,"minimum":9000000000000000000.000000001,"maximum":9000000000000000000.000000004}}}""";

    /// <summary>Enum values held to a multipleOf with a fraction (kept apart from <see cref="Numbers"/>, whose random instances must satisfy it).</summary>
    internal const string Priced = """{"type":"object","properties":{"priced":{"enum":[1.5,2.25,3],"multipleOf":0.1}}}""";

    /// <summary>Tuples in both spellings, and a reference wrapped in allOf as schema generators write it.</summary>
    internal const string Tuples = """
        {"type":"object","properties":{
         "point":{"type":"array","prefixItems":[{"type":"number"},{"type":"number"}],"items":false,"minItems":2},
         "row":{"type":"array","items":[{"type":"string"},{"type":"integer","minimum":0}],"additionalItems":{"type":"boolean"}},
         "open":{"type":"array","prefixItems":[{"enum":["a","b"]}]},
         "wrapped":{"allOf":[{"$ref":"#/$defs/named"}],"description":"a wrapped reference"}},
         "$defs":{"named":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}}
        """;

    /// <summary>
    /// Branches that overlap: System.Text.Json's polymorphic type (type and required beside anyOf, a "kind" constant
    /// first in each branch), Pydantic's discriminated union (oneOf of $refs with a discriminator), strings and numbers
    /// that two branches may both start, objects told apart only by a value's type, and allOf of a base and more.
    /// </summary>
    internal const string Unions = """
        {"type":"object","properties":{
         "shape":{"$ref":"#/$defs/shape"},
         "shapes":{"type":"array","items":{"$ref":"#/$defs/shape"},"maxItems":3},
         "pet":{"oneOf":[{"$ref":"#/$defs/cat"},{"$ref":"#/$defs/dog"}],"discriminator":{"propertyName":"pet_type"}},
         "text":{"anyOf":[{"type":"string","pattern":"^a+$","examples":["a","aaa"]},{"type":"string","format":"date","examples":["2026-12-07"]},{"type":"null"}]},
         "num":{"anyOf":[{"type":"integer","minimum":10,"maximum":20},{"type":"number","minimum":100,"examples":[100,250.5]}]},
         "named":{"allOf":[{"$ref":"#/$defs/base"},{"properties":{"age":{"type":"integer","minimum":0}},"required":["age"]}]},
         "either":{"anyOf":[{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]},{"type":"object","properties":{"x":{"type":"string"},"y":{"type":"boolean"}}}]}},
         "required":["shape"],
         "$defs":{
          "shape":{"type":"object","required":["kind"],"anyOf":[
           {"properties":{"kind":{"const":"circle"},"radius":{"type":"number"},"color":{"type":"string"}},"required":["radius","color"]},
           {"properties":{"kind":{"const":"square"},"side":{"type":"integer"},"color":{"type":"string"}},"required":["side","color"]}]},
          "cat":{"type":"object","properties":{"pet_type":{"const":"cat"},"indoor":{"type":"boolean"}},"required":["pet_type","indoor"]},
          "dog":{"type":"object","properties":{"name":{"type":"string"},"pet_type":{"const":"dog"}},"required":["pet_type"]},
          "base":{"type":"object","properties":{"name":{"type":"string","maxLength":8}},"required":["name"]}}}
        """;

    /// <summary>Arrays with uniqueItems (Pydantic's set[str], set[int], set of an enum): strings however escaped, integers, enum values, true/false/null.</summary>
    internal const string Sets = """
        {"type":"object","properties":{
         "tags":{"type":"array","items":{"type":"string","minLength":1},"uniqueItems":true,"maxItems":4},
         "ids":{"type":"array","items":{"type":"integer"},"uniqueItems":true},
         "days":{"type":"array","items":{"enum":["Mon","Tue","Wed"]},"uniqueItems":true,"minItems":1},
         "flags":{"type":"array","items":{"type":["boolean","null"]},"uniqueItems":true},
         "mixed":{"type":"array","items":{"anyOf":[{"type":"string"},{"type":"integer"}]},"uniqueItems":true},
         "list":{"type":"array","items":{"type":"string"},"uniqueItems":false}}}
        """;

    /// <summary>What Pydantic writes for a Decimal: a number, or a string its pattern (a negative lookahead first) accepts.</summary>
    internal const string PydanticDecimal = """
        {"type":"object","properties":{"price":{"anyOf":[{"type":"number"},{"type":"string","pattern":"^(?!^[-+.]*$)[+-]?0*\\d*\\.?\\d*$"}],"title":"Price"}},"required":["price"]}
        """;

    public static TheoryData<string, string> Valid => new()
    {
        { Weather, """{"city":"Oslo","temperature":null,"kind":"Rainy","tags":[],"when":"2026-12-07T10:15:00Z","wind":3.5e1,"next":null}""" },
        { Weather, """{"next":{"next":null,"wind":-1,"when":"1999-01-31T23:59:59.1234567+05:30","tags":["a"],"kind":"Sunny","temperature":-4,"city":""},"wind":0,"when":"2026-02-28T00:00:00-01:00","tags":["b", "c"],"kind":"Sunny","temperature":7,"city":"Bergen"}""" },
        { Bounded, """{"id":1,"tags":["a"]}""" },
        { Bounded, """{"tags":["abc","é日"], "id":-20, "mode":"off", "extra":{"x":true,"y":false}, "score":null}""" },
        { Bounded, """{"id":0,"tags":["\u00e9\n"],"mode":1,"score":2.5}""" },
        { Bounded, """{"id":0,"tags":["x"],"mode":null}""" },
        { Bounded, """{"id":0,"tags":["x"],"mode":true,"extra":{}}""" },
        { Bounded, """{"id":0,"tags":["x"],"level":-12,"odd":6}""" },
        { Bounded, """{"id":0,"tags":["x"],"level":250,"odd":9}""" },
        { Bounded, """{"id":0,"tags":["x"],"level":-0,"odd":null}""" },
        { Bounded, """{"id":0,"tags":["x"],"level":25}""" },
        { Recursive, """{}""" },
        { Recursive, """{"v":"ab","d":{"n":1,"next":{"n":2,"next":null}},"free":[1,{"a":"b"}],"c":"y"}""" },
        { Recursive, """{"v":-1.5,"c":null}""" },
        { Recursive, """{"v":null,"d":{"next":null,"n":3}}""" },
        { Recursive, """{"one":{"y":"a"}}""" },
        { Recursive, """{"one":{"z":null}}""" },
        { Patterned, """{"code":"AB-123","word":"abbcz","when":"2026-12-07T10:00:00.5Z","day":"2024-02-29","at":"23:59:59","id":null}""" },
        { Patterned, """{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","span":"-1.02:03:04.1234567","wide":"a\u65e5","kind":"B-22","quote":"\n\"","code":"ZZ-9999"}""" },
        { Patterned, """{"code":"QQ-000","wide":"\u00E8","quote":"\u000a\/"}""" },
        { Patterned, """{"code":"QQ-000","ip4":"10.0.0.255","ip6":"1:2:3:4:5:6:7:8"}""" },
        { Patterned, """{"code":"QQ-000","ip6":"::"}""" },
        { Patterned, """{"code":"QQ-000","mail":"first.last@sub.example.co","host":"a.b-c.d","dur":"P10D"}""" },
        { Numbers, """{"p":0,"t":-273.149999999,"s":2.5,"n":-0.000000001,"big":100000,"e":0.5}""" },
        { Numbers, """{"p":1.000,"t":1000,"s":2.749999999,"n":-1,"big":9999999999999999999.999999999,"e":2.5}""" },
        { Numbers, """{"p":-0.0,"t":0.5,"s":null,"n":-12345.5}""" },
        { Numbers, """{"p":0.123456789}""" },
        { Numbers, """{"p":0,"five":-10,"even":4,"m":6}""" },
        { Numbers, """{"p":0,"five":20,"even":-0,"m":3}""" },
        { Numbers, """{"p":0,"five":0,"even":123456789012}""" },
        { Steps, """{"cents":12.5,"tenths":-1.5,"rate":0.001,"whole":-4}""" },
        { Steps, """{"cents":1000.00,"tenths":2,"rate":0.019,"whole":3}""" },
        { Huge, """{"huge":9000000000000000000.000000003}""" },
        { Priced, """{"priced":1.5}""" },
        { Priced, """{"priced":3}""" },
        { Steps, """{"cents":0,"tenths":0.0,"rate":0.010}""" },
        { Steps, """{"quarter":0.75,"shoe":7.5,"fifths":-10}""" },
        { Steps, """{"quarter":-1.00,"shoe":50.0,"fifths":0}""" },
        { PydanticDecimal, """{"price":"12.50"}""" },
        { Sets, """{"tags":["a","b","\u0063","dé"],"ids":[1,-1,0,10,-10],"days":["Tue","Mon"],"flags":[true,null,false],"mixed":["1",1,"a"],"list":["x","x"]}""" },
        { Sets, """{"ids":[-0],"days":["Wed"],"flags":[],"tags":[]}""" },
        { PydanticDecimal, """{"price":"-.5"}""" },
        { PydanticDecimal, """{"price":3.25}""" },
        { """{"properties":{"d":{"type":"number","minimum":"0.5","maximum":"9.5"}}}""", """{"d":9.5}""" }, // bounds as strings, as M.E.AI writes a decimal's [Range]
        { Tuples, """{"point":[1,2.5],"row":["x",3,true,false],"open":["a",1,{"k":null}],"wrapped":{"name":"n"}}""" },
        { Tuples, """{"row":[],"open":[]}""" },
        { Tuples, """{"row":["x"],"point":[-1e3, 0]}""" },
        { Unions, """{"shape":{"kind":"circle","radius":1.5,"color":"red"}}""" },
        { Unions, """{"shape":{"kind":"square","color":"b","side":2},"shapes":[{"kind":"circle","color":"","radius":0},{"kind":"square","side":-1,"color":"x"}],"pet":{"pet_type":"cat","indoor":true}}""" },
        { Unions, """{"pet":{"name":"Rex","pet_type":"dog"},"shape":{"kind":"circle","radius":2,"color":"c"},"text":"aa","num":15}""" },
        { Unions, """{"shape":{"kind":"circle","radius":2,"color":"c"},"pet":{"pet_type":"dog"},"text":"2026-02-28","num":100.25,"named":{"age":3,"name":"Ann"}}""" },
        { Unions, """{"shape":{"kind":"circle","radius":2,"color":"c"},"text":null,"num":20,"either":{"x":3}}""" },
        { Unions, """{"shape":{"kind":"circle","radius":2,"color":"c"},"either":{"y":false,"x":"s"},"shapes":[]}""" },
        { Unions, """{"shape":{"kind":"circle","radius":2,"color":"c"},"either":{}}""" },
        { """{"allOf":[{"type":"object","properties":{"a/b~c%":{"type":"string"}}},{"required":["a/b~c%"]}]}""", """{"a/b~c%":"x"}""" }, // a merged property's place, escaped
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void EveryPrefixOfAValidInstance_IsTaken_AndItIsCompleteAtItsEnd(string schema, string text)
    {
        using var document = JsonDocument.Parse(text);
        using var schemaDocument = JsonDocument.Parse(schema);
        Assert.True(JsonSchemaOracle.IsValid(schemaDocument.RootElement, document.RootElement), "the oracle agrees it is valid");
        var json = new JsonSchemaChoices(CompiledJsonSchema.Parse(schema).Root);
        var bytes = Encoding.UTF8.GetBytes(text);
        for (int i = 0; i < bytes.Length; i++)
        {
            Assert.False(json.IsComplete, $"complete before byte {i}");
            Assert.True(json.Push(bytes[i]), $"byte {i} ('{(char)bytes[i]}') of {text} refused");
        }
        Assert.True(json.IsComplete);
    }

    public static TheoryData<string, string, string> Violations => new()
    {
        // schema, text, the prefix after which the next byte is refused
        { Weather, """{"city":"Oslo"}""", "{\"city\":\"Oslo\"" },                   // '}' before the required properties
        { Weather, """{"town":1}""", """{"t""" },                                     // a key not declared
        { Weather, """{"city":1}""", """{"city":""" },                                // a number for a string
        { Weather, """{"city":"a","city":"b"}""", "{\"city\":\"a\",\"" },            // a repeat: no property left starts with c
        { Weather, """{"temperature":1.5}""", """{"temperature":1""" },               // a fraction for an integer
        { Weather, """{"temperature":1e3}""", """{"temperature":1""" },               // an exponent for an integer
        { Weather, """{"kind":"Cloudy"}""", "{\"kind\":\"" },                        // not an enum value
        { Weather, """{"kind":"Sun"}""", """{"kind":"Sun""" },                       // an enum value's prefix closed early
        { Weather, """{"tags":[1]}""", """{"tags":[""" },                             // an item of the wrong type
        { Weather, """{"next":[]}""", """{"next":""" },                               // neither object nor null
        { Bounded, """{"id":1,"tags":[]}""", """{"id":1,"tags":[""" },                // fewer than minItems
        { Bounded, """{"id":1,"tags":["a","b","c"]}""", "{\"id\":1,\"tags\":[\"a\",\"b\"" }, // a third item past maxItems
        { Bounded, """{"id":1,"tags":["abcd"]}""", """{"id":1,"tags":["abc""" },     // past maxLength
        { Bounded, """{"id":1,"tags":[""]}""", "{\"id\":1,\"tags\":[\"" },           // under minLength
        { Bounded, """{"mode":2}""", """{"mode":""" },                               // no enum value starts with 2
        { Bounded, """{"mode":10}""", """{"mode":1""" },                             // 1 is, 10 is not
        { Bounded, """{"mode":false}""", """{"mode":""" },                           // true is, false is not
        { Bounded, """{"extra":{"x":1}}""", """{"extra":{"x":""" },                  // additionalProperties: boolean
        { Bounded, """{"level":251}""", """{"level":25""" },                         // past the maximum
        { Bounded, """{"level":3000}""", """{"level":30""" },                        // 300 and longer are past it
        { Bounded, """{"level":-13}""", """{"level":-1""" },                         // under the minimum
        { Bounded, """{"level":1.5}""", """{"level":1""" },                          // still an integer
        { Bounded, """{"odd":5}""", """{"odd":""" },                                 // exclusive: 5 is out, and 50–59 too
        { Bounded, """{"odd":10}""", """{"odd":""" },                                // 1 is out, 10–19 too
        { Recursive, """{"v":"a"}""", """{"v":"a""" },                               // the string branch's minLength
        { Recursive, """{"v":true}""", """{"v":""" },                                // no branch is boolean
        { Recursive, """{"d":{"next":null}}""", """{"d":{"next":null""" },           // the node's required n
        { Recursive, """{"d":{"n":1,"next":{"n":1.5}}}""", """{"d":{"n":1,"next":{"n":1""" }, // recursion keeps the integer rule
        { Recursive, """{"c":"z"}""", "{\"c\":\"" },                                 // oneOf: enum or null
        { Recursive, """{"one":{}}""", """{"one":{""" },                              // minProperties 1
        { Recursive, """{"one":{"x":1,"y":"a"}}""", """{"one":{"x":1""" },             // maxProperties 1
        { """{"properties":{"e":{"enum":["ab","abcd",3,12],"maxLength":3,"minimum":10}}}""", """{"e":"abcd"}""", """{"e":"ab""" }, // enum values out of bounds are dropped
        { """{"properties":{"e":{"enum":["ab","abcd",3,12],"maxLength":3,"minimum":10}}}""", """{"e":3}""", """{"e":""" },
        { Patterned, """{"code":"A1""", """{"code":"A""" },                            // [A-Z]{2}: a digit second
        { Patterned, """{"code":"AB-12"}""", """{"code":"AB-12""" },                 // \d{3,4}: closed early
        { Patterned, """{"code":"AB-12345"}""", """{"code":"AB-1234""" },            // past \d{3,4}
        { Patterned, """{"word":"aaaa"}""", """{"word":"aaa""" },                    // maxLength 5 leaves no room for "bc" after a fourth a
        { Patterned, """{"word":"ab"}""", """{"word":"ab""" },                       // no match yet
        { Patterned, """{"day":"2026-13-01"}""", """{"day":"2026-1""" },             // month 13
        { Patterned, """{"day":"0000-01-01"}""", """{"day":"000""" },                // year 0000
        { Patterned, """{"day":"2023-02-29"}""", """{"day":"2023-02-2""" },          // not a leap year
        { Patterned, """{"day":"2100-02-29"}""", """{"day":"2100-02-2""" },          // nor is 2100
        { Patterned, """{"day":"2026-04-31"}""", """{"day":"2026-04-3""" },          // April has 30 days
        { Patterned, """{"day":"2026-00-01"}""", """{"day":"2026-0""" },             // month 00
        { Patterned, """{"day":"2026-01-32"}""", """{"day":"2026-01-3""" },          // day 32
        { Patterned, """{"at":"24:00:00"}""", """{"at":"2""" },                      // hour 24
        { Patterned, """{"at":"10:00:00Z"}""", """{"at":"10:00:00""" },              // no offset on a time
        { Patterned, """{"when":"2026-12-07T10:00:00"}""", """{"when":"2026-12-07T10:00:00""" }, // an offset on a date-time
        { Patterned, """{"when":"2026-12-07T10:00:00.12345678Z"}""", """{"when":"2026-12-07T10:00:00.1234567""" }, // 7 digits at most
        { Patterned, """{"when":"2026-12-07T10:00:00+15:00"}""", """{"when":"2026-12-07T10:00:00+1""" }, // offsets to ±14:00
        { Patterned, """{"when":"2026-12-07T10:00:00-14:01"}""", """{"when":"2026-12-07T10:00:00-14:0""" },
        { Patterned, """{"id":"0F8FAD5B"}""", """{"id":"0""" },                      // lowercase hex
        { Patterned, """{"ip4":"256.0.0.1"}""", """{"ip4":"25""" },                  // an octet past 255
        { Patterned, """{"ip4":"01.0.0.1"}""", """{"ip4":"0""" },                    // a leading zero
        { Patterned, """{"ip4":"1.2.3"}""", """{"ip4":"1.2.3""" },                   // four parts
        { Patterned, """{"ip6":"1::2::3"}""", """{"ip6":"1::2:""" },                 // one "::" at most
        { Patterned, """{"ip6":"12345::"}""", """{"ip6":"1234""" },                  // four hex digits a group
        { Patterned, """{"mail":"a b@c"}""", """{"mail":"a""" },                     // no space in the local part
        { Patterned, """{"mail":"@c"}""", "{\"mail\":\"" },                       // an empty local part
        { Patterned, """{"mail":"a@-c"}""", """{"mail":"a@""" },                    // a label starts with a letter or digit
        { Patterned, """{"mail":"a@b@c"}""", """{"mail":"a@b""" },                  // one @, then the domain
        { Patterned, """{"host":"a..b"}""", """{"host":"a.""" },                    // an empty label
        { Patterned, """{"host":"ab-"}""", """{"host":"ab-""" },                    // a label ends with a letter or digit
        { Patterned, "{\"host\":\"" + new string('a', 64) + "\"}", "{\"host\":\"" + new string('a', 63) },  // 63 characters a label
        { Patterned, "{\"mail\":\"" + new string('a', 38) + "@bc\"}", "{\"mail\":\"" + new string('a', 38) + "@b" }, // maxLength 40
        { Patterned, """{"dur":"P1Y2D"}""", """{"dur":"P1Y2""" },                   // after years, months come before days
        { Patterned, """{"dur":"PT"}""", """{"dur":"PT""" },                        // T needs a time
        { Patterned, """{"dur":"P"}""", """{"dur":"P""" },                          // P needs a part
        { Patterned, """{"dur":"P1W2D"}""", """{"dur":"P1W""" },                    // weeks stand alone
        { Patterned, """{"wide":"abcd"}""", """{"wide":"abc""" },                    // maxLength 4: the last must match
        { Patterned, """{"wide":"abc\u00e0"}""", """{"wide":"abc\u00e""" },        // the fourth character must match: à does not
        { Patterned, """{"wide":"\ud83d"}""", """{"wide":"\ud""" },                // \ud8__ is a surrogate, never a character
        { Patterned, """{"kind":"c"}""", "{\"kind\":\"" },                          // the enum value that breaks the pattern is dropped
        { Numbers, """{"p":1.5}""", """{"p":1.""" },                                   // past the maximum
        { Numbers, """{"p":2}""", """{"p":""" },                                       // 2 and 20, 200, ... all past it
        { Numbers, """{"five":7}""", """{"five":""" },                                 // 7 and 70–79: no multiple of 5 up to 23
        { Numbers, """{"five":2}""", """{"five":2""" },                                // 20 would be; 2 is not
        { Numbers, """{"five":-15}""", """{"five":-1""" },                             // below the minimum
        { Numbers, """{"even":3}""", """{"even":3""" },
        { Numbers, """{"even":2.0}""", """{"even":2""" },                              // a whole step: written as an integer
        { Numbers, """{"m":7}""", """{"m":""" },                                       // enum values that are no multiple are dropped
        { Numbers, """{"m":9.0}""", """{"m":""" },
        { Steps,   """{"cents":3.999}""", """{"cents":3.99""" },                       // multipleOf 0.01: two decimals at most
        { Steps,   """{"cents":1000.01}""", """{"cents":1000.0""" },                   // past the maximum on the cents grid
        { Steps,   """{"cents":-1}""", """{"cents":-""" },                              // below the minimum: only -0 is not
        { Steps,   """{"tenths":1e1}""", """{"tenths":1""" },                          // no exponent under a fractional step
        { Steps,   """{"tenths":0.25}""", """{"tenths":0.2""" },
        { Steps,   """{"rate":0.0005}""", """{"rate":0.00""" },                        // exclusive minimum 0.0005: 0.001 is the least
        { Steps,   """{"rate":0.02}""", """{"rate":0.0""" },                           // exclusive maximum
        { Steps,   """{"whole":1.5}""", """{"whole":1""" },                            // an integer, every one a multiple of 0.5
        { Priced, """{"priced":2.25}""", """{"priced":""" },                           // an enum value with too many decimals is dropped
        { Steps,   """{"quarter":0.3}""", """{"quarter":0.""" },                       // 0.3x: no multiple of 0.25 from 0.30 to 0.39
        { Steps,   """{"quarter":0.255}""", """{"quarter":0.25""" },                   // two decimals at most
        { Steps,   """{"quarter":0.2}""", """{"quarter":0.2""" },                      // 0.25 would be; 0.2 is not
        { Steps,   """{"shoe":7.25}""", """{"shoe":7.""" },                           // one decimal at most: 7.2 is no multiple of 2.5
        { Steps,   """{"shoe":52.5}""", """{"shoe":5""" },                             // 52 to 52.9 and 520 on: past the maximum
        { Huge, """{"huge":9000000000000000000.000000001}""", """{"huge":9000000000000000000.00000000""" }, // of 3e-9 only ...003: exact in 28 digits
        { Huge, """{"huge":9000000000000000000.000000004}""", """{"huge":9000000000000000000.00000000""" },
        { Steps,   """{"fifths":7}""", """{"fifths":7""" },                             // integers: the multiples of 5
        { PydanticDecimal, """{"price":"-."}""", """{"price":"-.""" },              // the lookahead: not signs and points alone
        { Sets, """{"tags":["a","a"]}""", """{"tags":["a","a""" },                   // a duplicate string, refused at its closing quote
        { Sets, """{"tags":["ab","\u0061b"]}""", """{"tags":["ab","\u0061b""" },       // however it is escaped
        { Sets, """{"tags":["é","\u00e9"]}""", """{"tags":["é","\u00e9""" },
        { Sets, """{"ids":[7,7]}""", """{"ids":[7,7""" },                             // a duplicate integer, at its end (77 would be new)
        { Sets, """{"ids":[0,-0]}""", """{"ids":[0,-0""" },                           // -0 is 0
        { Sets, """{"days":["Mon","Mon"]}""", "{\"days\":[\"Mon\",\"" },              // an enum value used is left out
        { Sets, """{"days":[]}""", """{"days":[""" },                                  // minItems
        { Sets, """{"flags":[true,true]}""", """{"flags":[true,""" },                  // true once
        { Sets, """{"flags":[null,false,null]}""", """{"flags":[null,false,""" },
        { Sets, """{"mixed":[1,"1",1]}""", """{"mixed":[1,"1",1""" },                 // "1" and 1 differ; 1 twice does not
        { PydanticDecimal, """{"price":""}""", "{\"price\":\"" },               // nor nothing
        { PydanticDecimal, """{"price":"1a"}""", """{"price":"1""" },
        { """{"properties":{"d":{"type":"number","minimum":"0.5","maximum":"9.5"}}}""", """{"d":10}""", """{"d":1""" },
        { """{"properties":{"d":{"type":"number","minimum":"0.5","maximum":"9.5"}}}""", """{"d":0.4}""", """{"d":0.""" },
        { Numbers, """{"p":-0.5}""", """{"p":-0.""" },                                 // only -0 is not below 0
        { Numbers, """{"p":1e0}""", """{"p":1""" },                                    // no exponent under bounds
        { Numbers, """{"p":0.1234567891}""", """{"p":0.123456789""" },                 // 9 decimals at most
        { Numbers, """{"t":-273.15}""", """{"t":-273.1""" },                           // exclusive minimum
        { Numbers, """{"t":1000.5}""", """{"t":1000.""" },
        { Numbers, """{"s":2.75}""", """{"s":2.7""" },                                 // exclusive maximum
        { Numbers, """{"s":3}""", """{"s":""" },
        { Numbers, """{"s":2.4}""", """{"s":2.""" },
        { Numbers, """{"n":0}""", """{"n":""" },                                       // below 0: no leading 0 unsigned
        { Numbers, """{"n":-0.0000000000}""", """{"n":-0.00000000""" },               // nine zeros leave only 0
        { Numbers, """{"big":99999}""", """{"big":99999""" },                          // ends below the minimum
        { Numbers, """{"big":99999999999999999999}""", """{"big":9999999999999999999""" }, // 19 integer digits at most
        { Numbers, """{"e":1e1}""", """{"e":""" },                                     // the enum value past the maximum is dropped
        { Tuples, """{"point":[1,2,3]}""", """{"point":[1,2""" },                    // items false after the tuple
        { Tuples, """{"point":[1]}""", """{"point":[1""" },                           // minItems 2
        { Tuples, """{"point":["x"]}""", """{"point":[""" },                          // a number first
        { Tuples, """{"row":["x","y"]}""", """{"row":["x",""" },                      // an integer second
        { Tuples, """{"row":["x",3,4]}""", """{"row":["x",3,""" },                    // additionalItems: booleans
        { Tuples, """{"row":[1]}""", """{"row":[""" },
        { Tuples, """{"open":["c"]}""", "{\"open\":[\"" },                         // the tuple's enum
        { Tuples, """{"wrapped":{}}""", """{"wrapped":{""" },                        // the wrapped schema's required name
        { Patterned, """{"quote":"\n\\"}""", """{"quote":"\n\""" },              // an escaped backslash is not '"' or '/'
        { Unions, """{"shape":{"color":"red"}}""", "{\"shape\":{\"" },                                  // the discriminator comes first
        { Unions, """{"shape":{"kind":"triangle"}}""", "{\"shape\":{\"kind\":\"" },                    // no branch's constant
        { Unions, """{"shape":{"kind":"circle","side":1}}""", "{\"shape\":{\"kind\":\"circle\",\"" },    // the circle has no side
        { Unions, """{"shape":{"kind":"square","side":1.5}}""", """{"shape":{"kind":"square","side":1""" }, // the square's side is an integer
        { Unions, """{"shape":{"kind":"square","side":1,"color":"x"},"shapes":[{"kind":"circle","radius":1}]}""", """{"shape":{"kind":"square","side":1,"color":"x"},"shapes":[{"kind":"circle","radius":1""" }, // its required color
        { Unions, """{"pet":{"indoor":true,"pet_type":"cat"}}""", "{\"pet\":{\"" },                     // the cat's constant first; the dog has no indoor
        { Unions, """{"pet":{"pet_type":"dog","indoor":true}}""", "{\"pet\":{\"pet_type\":\"dog\",\"" }, // the dog has no indoor
        { Unions, """{"text":"ab"}""", """{"text":"a""" },                                            // neither a's nor a date
        { Unions, """{"text":"2026-13-01"}""", """{"text":"2026-1""" },
        { Unions, """{"num":21}""", """{"num":21""" },                                                // 21 in neither branch (210 would be)
        { Unions, """{"num":15.5}""", """{"num":15""" },                                              // 15 is an integer branch's; 15.x in neither
        { Unions, """{"named":{"name":"Ann"}}""", "{\"named\":{\"name\":\"Ann\"" },                      // allOf: the second part's required age
        { Unions, """{"named":{"age":1,"name":"Anne-Marie"}}""", """{"named":{"age":1,"name":"Anne-Mar""" }, // the base's maxLength
        { Unions, """{"named":{"age":1,"name":"A","x":1}}""", "{\"named\":{\"age\":1,\"name\":\"A\"" }, // no part declares x: no more keys
        { Unions, """{"either":{"x":1.5}}""", """{"either":{"x":1""" },
        { """{"allOf":[{"type":"object","properties":{"a/b~c%":{"type":"string"}}},{"required":["a/b~c%"]}]}""", """{"a/b~c%":1}""", """{"a/b~c%":""" },                               // an integer or a string
        { Unions, """{"either":{"x":1,"y":true}}""", """{"either":{"x":1""" },                               // y only beside a string x: no more keys
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void AViolation_IsRefusedAtItsByte(string schema, string text, string takenPrefix)
    {
        Assert.StartsWith(takenPrefix, text);
        var json = new JsonSchemaChoices(CompiledJsonSchema.Parse(schema).Root);
        var bytes = Encoding.UTF8.GetBytes(text);
        int refusedAt = Encoding.UTF8.GetByteCount(takenPrefix);
        for (int i = 0; i < refusedAt; i++) Assert.True(json.Push(bytes[i]), $"byte {i} of {text} refused, expected {refusedAt}");
        Assert.False(json.Push(bytes[refusedAt]), $"byte {refusedAt} ('{(char)bytes[refusedAt]}') of {text} taken");
    }

    [Fact]
    public void AKeyNamingADeclaredPropertyTwice_IsRefused_EvenWhereOtherKeysMayCome()
    {
        var json = new JsonSchemaChoices(CompiledJsonSchema.Parse(Recursive).Root);
        foreach (byte b in """{"c":null,"c"""u8) Assert.True(json.Push(b));
        Assert.False(json.Push((byte)'"'));
    }

    [Theory]
    [InlineData("Weather")]
    [InlineData("Bounded")]
    [InlineData("Recursive")]
    [InlineData("Patterned")]
    [InlineData("Numbers")]
    [InlineData("Steps")]
    [InlineData("Tuples")]
    [InlineData("Unions")]
    [InlineData("Sets")]
    public void RandomMutationsOfRandomInstances_AgreeWithTheOracle(string name)
    {
        string schemaText = name switch { "Weather" => Weather, "Bounded" => Bounded, "Patterned" => Patterned, "Numbers" => Numbers, "Steps" => Steps, "Tuples" => Tuples, "Unions" => Unions, "Sets" => Sets, _ => Recursive };
        using var schemaDocument = JsonDocument.Parse(schemaText);
        var root = CompiledJsonSchema.Parse(schemaText).Root;
        int seed = Environment.TickCount;
        var random = new Random(seed);
        string alphabet = "{}[]\",:0123456789-.eEtrufalsnabxyz" + (name == "Patterned" ? "ABZT+cé日\\" : ""); // no whitespace: JsonPrefix's tests cover it
        int valid = 0, invalid = 0;
        for (int round = 0; round < 2000; round++)
        {
            string original = new InstanceWriter(schemaDocument.RootElement, random).Write();
            int at = random.Next(original.Length + 1);
            string mutated = random.Next(4) switch
            {
                0 => original,
                1 when at < original.Length => original.Remove(at, 1),
                2 when at < original.Length => original.Remove(at, 1).Insert(at, alphabet[random.Next(alphabet.Length)].ToString()),
                _ => original.Insert(at, alphabet[random.Next(alphabet.Length)].ToString()),
            };
            bool expected = IsOneValidObject(schemaDocument.RootElement, mutated);
            var json = new JsonSchemaChoices(root);
            bool taken = true;
            foreach (byte b in Encoding.UTF8.GetBytes(mutated)) taken = taken && json.Push(b);
            Assert.True(expected == (taken && json.IsComplete), $"seed {seed}: {mutated} (oracle: {(expected ? "valid" : "not valid")})");
            if (expected) valid++; else invalid++;
        }
        Assert.True(valid > 150 && invalid > 300, $"seed {seed}: the mutations gave {valid} valid and {invalid} invalid texts");
    }

    static bool IsOneValidObject(JsonElement schema, string text)
    {
        var syntax = new JsonPrefix();
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            if (!syntax.Push(b)) return false;
        if (!syntax.IsComplete) return false;
        using var document = JsonDocument.Parse(text);
        return JsonSchemaOracle.IsValid(schema, document.RootElement);
    }

    /// <summary>Random instances of a schema (mostly valid; the oracle decides), compact with an occasional space.</summary>
    sealed class InstanceWriter(JsonElement root, Random random)
    {
        readonly StringBuilder _text = new();

        public string Write()
        {
            Value(root, depth: 0);
            return _text.ToString();
        }

        void Value(JsonElement schema, int depth)
        {
            if (schema.ValueKind == JsonValueKind.True || schema.ValueKind == JsonValueKind.Object && !schema.EnumerateObject().Any()) { Any(depth); return; }
            if (schema.TryGetProperty("$ref", out var reference)) { Value(Resolve(reference.GetString()!), depth); return; }
            if (schema.TryGetProperty("allOf", out var all))
            {
                if (all.GetArrayLength() == 1) Value(all[0], depth);
                else Object([schema, .. all.EnumerateArray().Select(Resolved)], depth);
                return;
            }
            if (schema.TryGetProperty("anyOf", out var branches) || schema.TryGetProperty("oneOf", out branches))
            {
                var branch = branches[random.Next(branches.GetArrayLength())];
                if (schema.TryGetProperty("type", out _) || schema.TryGetProperty("required", out _)) Object([schema, Resolved(branch)], depth); // keywords beside the branches: an object's, in these schemas
                else Value(branch, depth);
                return;
            }
            if (schema.TryGetProperty("enum", out var values)) { _text.Append(values[random.Next(values.GetArrayLength())].GetRawText()); return; }
            if (schema.TryGetProperty("const", out var constant)) { _text.Append(constant.GetRawText()); return; }
            if (schema.TryGetProperty("examples", out var examples) && random.Next(8) > 0) { _text.Append(examples[random.Next(examples.GetArrayLength())].GetRawText()); return; }
            var types = !schema.TryGetProperty("type", out var type) ? ["object"] : type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToArray() : [type.GetString()!];
            string chosen = depth > 4 && types.Contains("null") ? "null" : types[random.Next(types.Length)];
            switch (chosen)
            {
                case "object": Object(schema, depth); break;
                case "array":
                    _text.Append('[');
                    int count = random.Next(schema.TryGetProperty("minItems", out var min) ? min.GetInt32() : 0, schema.TryGetProperty("maxItems", out var max) ? max.GetInt32() + 1 : 3);
                    var tuple = schema.TryGetProperty("prefixItems", out var prefix) ? prefix
                        : schema.TryGetProperty("items", out var listed) && listed.ValueKind == JsonValueKind.Array ? listed : default;
                    string restKeyword = schema.TryGetProperty("prefixItems", out _) || tuple.ValueKind != JsonValueKind.Array ? "items" : "additionalItems";
                    for (int i = 0; i < count; i++)
                    {
                        if (i > 0) _text.Append(',');
                        if (tuple.ValueKind == JsonValueKind.Array && i < tuple.GetArrayLength()) Value(tuple[i], depth + 1);
                        else if (schema.TryGetProperty(restKeyword, out var rest) && rest.ValueKind == JsonValueKind.Object) Value(rest, depth + 1);
                        else Any(depth + 1);
                    }
                    _text.Append(']');
                    break;
                case "string" when schema.TryGetProperty("format", out var format) && format.GetString() == "date-time":
                    _text.Append(random.Next(2) == 0 ? "\"2026-12-07T10:00:00Z\"" : "\"1999-12-31T23:59:59.5+01:00\"");
                    break;
                case "string": _text.Append(random.Next(5) switch { 0 => "\"\"", 1 or 2 => "\"ab\"", 3 => "\"é\\n\"", _ => "\"xyz1\"" }); break;
                case "integer": _text.Append(random.Next(3) == 0 ? random.Next(-300, 300) : random.Next(-15, 15)); break;
                case "number": _text.Append(random.Next(2) == 0 ? "2.5" : "-1e2"); break;
                case "boolean": _text.Append(random.Next(2) == 0 ? "true" : "false"); break;
                default: _text.Append("null"); break;
            }
        }

        void Object(JsonElement schema, int depth) => Object([schema], depth);

        /// <summary>An object of schemas that hold together: their properties and required lists joined, a discriminator (the first property, required, one constant) first.</summary>
        void Object(JsonElement[] parts, int depth)
        {
            _text.Append('{');
            var names = parts.SelectMany(part => part.TryGetProperty("properties", out var properties) ? properties.EnumerateObject() : []).DistinctBy(p => p.Name).ToList();
            var required = parts.SelectMany(part => part.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(r => r.GetString()) : []).ToHashSet();
            var chosen = names.Where(p => required.Contains(p.Name) || random.Next(2) == 0).OrderBy(_ => random.Next()).ToList();
            if (names.Count > 0 && required.Contains(names[0].Name) && Resolved(names[0].Value).TryGetProperty("const", out _))
                chosen = [names[0], .. chosen.Where(p => p.Name != names[0].Name)];
            bool first = true;
            foreach (var property in chosen)
            {
                if (!first) _text.Append(random.Next(3) == 0 ? ", " : ",");
                first = false;
                _text.Append('"').Append(property.Name).Append("\":");
                Value(property.Value, depth + 1);
            }
            var schema = parts[0];
            if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind != JsonValueKind.False && random.Next(3) == 0)
            {
                if (!first) _text.Append(',');
                _text.Append("\"zz\":");
                Value(additional, depth + 1);
            }
            _text.Append('}');
        }

        JsonElement Resolved(JsonElement schema) => schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference) ? Resolve(reference.GetString()!) : schema;

        void Any(int depth) => _text.Append((depth > 3 ? 2 : random.Next(4)) switch { 0 => "{\"k\":[1,\"s\"]}", 1 => "[true,null]", 2 => "7", _ => "\"v\"" });

        JsonElement Resolve(string pointer)
        {
            var element = root;
            if (pointer == "#") return element;
            foreach (string segment in pointer[2..].Split('/')) element = element.GetProperty(segment);
            return element;
        }
    }
}
