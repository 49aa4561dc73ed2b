using BitNet.Gpu.Model;

namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// Byte-level BPE (GPT-2 / Llama 3 / Falcon3): a word's bytes start as one token each and the pair with the best
/// (lowest) merge rank is merged until no ranked pair is left. A word that is itself a token is taken whole first
/// (Hugging Face's <c>ignore_merges</c>, which Llama 3 sets).
/// </summary>
sealed class ByteLevelBpe
{
    readonly Dictionary<string, int> _wordToId;      // byte-level alphabet string -> id (normal tokens only)
    readonly int[] _byteToId = new int[256];         // id of each single-byte token
    readonly Dictionary<long, Merge> _merges;        // (left id, right id) -> rank and merged id
    readonly bool _ignoreMerges;

    readonly record struct Merge(int Rank, int MergedId);

    public ByteLevelBpe(Vocabulary vocabulary, bool ignoreMerges)
    {
        _ignoreMerges = ignoreMerges;
        _wordToId = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        for (int id = 0; id < vocabulary.Count; id++)
            if (vocabulary.TokenTypes[id] is TokenType.Normal or TokenType.Undefined)
                _wordToId.TryAdd(vocabulary.Tokens[id], id);

        for (int b = 0; b < 256; b++)
        {
            if (!_wordToId.TryGetValue(ByteLevelAlphabet.Encode((byte)b).ToString(), out _byteToId[b]))
                throw new ModelFormatException(vocabulary.Source, $"byte-level BPE vocabulary has no token for byte 0x{b:X2} ('{ByteLevelAlphabet.Encode((byte)b)}')");
        }

        _merges = new Dictionary<long, Merge>(vocabulary.Merges.Count);
        for (int rank = 0; rank < vocabulary.Merges.Count; rank++)
        {
            string merge = vocabulary.Merges[rank];
            int space = merge.IndexOf(' ', 1); // a side may itself start with a space-like char, never be empty
            if (space <= 0 || space == merge.Length - 1)
                throw new ModelFormatException(vocabulary.Source, $"merge {rank} \"{merge}\" is not two tokens separated by a space");
            string left = merge[..space], right = merge[(space + 1)..];
            if (!_wordToId.TryGetValue(left, out int leftId) || !_wordToId.TryGetValue(right, out int rightId)
                || !_wordToId.TryGetValue(left + right, out int mergedId))
                throw new ModelFormatException(vocabulary.Source, $"merge {rank} \"{merge}\" names a token that is not in the vocabulary");
            _merges.TryAdd(Key(leftId, rightId), new Merge(rank, mergedId));
        }
    }

    static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Appends the ids of one pre-tokenized word (its UTF-8 bytes).</summary>
    public void EncodeWord(ReadOnlySpan<byte> word, List<int> ids)
    {
        if (word.Length == 0) return;
        if (word.Length == 1) { ids.Add(_byteToId[word[0]]); return; }
        if (_ignoreMerges && _wordToId.TryGetValue(ByteLevelAlphabet.Encode(word), out int whole)) { ids.Add(whole); return; }
        MergeBytes(word, ids);
    }

    // Symbols form a linked list over the word's bytes; a queue holds candidate pairs ordered by (rank, position).
    // A popped pair is stale when either side has changed since it was queued; it is then skipped.
    void MergeBytes(ReadOnlySpan<byte> word, List<int> ids)
    {
        int n = word.Length;
        var symbol = new int[n];
        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++) { symbol[i] = _byteToId[word[i]]; next[i] = i + 1; prev[i] = i - 1; }
        next[n - 1] = -1;

        var queue = new PriorityQueue<(int Left, int LeftId, int RightId), long>();
        void Enqueue(int left)
        {
            if (left < 0 || next[left] < 0) return;
            int right = next[left];
            if (_merges.TryGetValue(Key(symbol[left], symbol[right]), out Merge m))
                queue.Enqueue((left, symbol[left], symbol[right]), ((long)m.Rank << 32) | (uint)left);
        }
        for (int i = 0; i < n - 1; i++) Enqueue(i);

        while (queue.TryDequeue(out var pair, out _))
        {
            int left = pair.Left, right = next[left];
            if (symbol[left] != pair.LeftId || right < 0 || symbol[right] != pair.RightId) continue; // stale
            symbol[left] = _merges[Key(pair.LeftId, pair.RightId)].MergedId;
            symbol[right] = -1;
            next[left] = next[right];
            if (next[left] >= 0) prev[next[left]] = left;
            Enqueue(prev[left]);
            Enqueue(left);
        }

        for (int i = 0; i >= 0; i = next[i]) ids.Add(symbol[i]);
    }
}
