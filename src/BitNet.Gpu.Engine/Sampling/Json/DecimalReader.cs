using Expect = BitNet.Gpu.Engine.Sampling.JsonPrefix.Expect;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// minimum/maximum on a number that may have a fraction, as the smallest and largest numbers
/// <see cref="DecimalReader"/> writes: on its grid of <paramref name="FractionDigits"/> decimals
/// (<see cref="DecimalReader.MaxFractionDigits"/>, or fewer for a multipleOf with a fraction), and with
/// <paramref name="GridMultiple"/> &gt; 1 only at every that-many grid points (a multipleOf of 0.25: grid 0.01, every 25th).
/// </summary>
internal readonly record struct DecimalBounds(decimal Low, decimal High, int FractionDigits = DecimalReader.MaxFractionDigits, long GridMultiple = 1)
{
    /// <summary>The grid: 10^−FractionDigits.</summary>
    public decimal Step => DecimalReader.GridStep(FractionDigits);

    /// <summary>The step between the numbers allowed: the grid's times <see cref="GridMultiple"/>.</summary>
    public decimal MultipleStep => Step * GridMultiple;
}

/// <summary>
/// A number held to <see cref="DecimalBounds"/>, read one byte at a time. It is written without an exponent, with at
/// most <see cref="MaxIntegerDigits"/> integer digits and the bounds' decimals (at most <see cref="MaxFractionDigits"/>): a subset of JSON's
/// numbers that <see cref="decimal"/> holds exactly, so a byte is taken exactly while some number in the bounds starts
/// with what was read. After digits m, the numbers that can follow are [m, m + 1) and, with k more integer digits,
/// [m·10^k, (m + 1)·10^k); after m.f with d decimals, [m.f, m.f + 10^−d), each on the bounds' grid.
/// </summary>
internal struct DecimalReader
{
    public const int MaxIntegerDigits = 19, MaxFractionDigits = 9;

    /// <summary>The finest grid: 10^−<see cref="MaxFractionDigits"/>.</summary>
    public const decimal Step = 0.000000001m;

    /// <summary>10^−<paramref name="fractionDigits"/> (0 to <see cref="MaxFractionDigits"/>).</summary>
    public static decimal GridStep(int fractionDigits) => Step * PowersOfTen[MaxFractionDigits - fractionDigits];

    /// <summary>The largest magnitude written: 19 nines, a point, 9 nines.</summary>
    public const decimal Largest = 9_999_999_999_999_999_999.999999999m;

    static readonly decimal[] PowersOfTen = [.. Enumerable.Range(0, MaxIntegerDigits + 1).Select(k => Pow10(k))];

    decimal _magnitude;         // the digits read, without the sign
    int _integerDigits, _fractionDigits;
    bool _negative, _inFraction, _hasDigits;

    /// <summary>Starts a number with its first byte ('-' or a digit).</summary>
    public bool Start(byte first, DecimalBounds bounds)
    {
        this = default;
        _negative = first == '-';
        return _negative ? CanReach(bounds) : Digit(first, bounds);
    }

    /// <summary>A byte inside the number, which took JSON's number automaton to state after.</summary>
    public bool Push(byte b, Expect after, DecimalBounds bounds)
    {
        if (after is Expect.Exponent or Expect.ExponentSign or Expect.ExponentDigits) return false; // no exponents
        if (b != '.') return Digit(b, bounds);
        _inFraction = true;
        return CanReach(bounds);
    }

    /// <summary>Whether the number read is within the bounds (and a multiple of their step), as it ends.</summary>
    public readonly bool EndsWithin(DecimalBounds bounds)
    {
        decimal value = _negative ? -_magnitude : _magnitude;
        return value >= bounds.Low && value <= bounds.High && (bounds.GridMultiple == 1 || GridUnits(_magnitude, bounds) % bounds.GridMultiple == 0);
    }

    bool Digit(byte b, DecimalBounds bounds)
    {
        int digit = b - '0';
        if (_inFraction)
        {
            if (_fractionDigits == bounds.FractionDigits) return false;
            _magnitude += digit * Step * PowersOfTen[MaxFractionDigits - ++_fractionDigits];
        }
        else
        {
            if (_integerDigits == MaxIntegerDigits) return false;
            _magnitude = _magnitude * 10 + digit;
            _integerDigits++;
        }
        _hasDigits = true;
        return CanReach(bounds);
    }

    /// <summary>Whether a number in the bounds starts with what was read (see the class's summary for the sets).</summary>
    readonly bool CanReach(DecimalBounds bounds)
    {
        // The bounds on the magnitude: a negative number's are the bounds mirrored.
        decimal low = Math.Max(0, _negative ? -bounds.High : bounds.Low), high = _negative ? -bounds.Low : bounds.High;
        if (low > high) return false;
        if (!_hasDigits) return true;
        decimal step = bounds.Step;
        if (_inFraction) return Overlaps(_magnitude, _magnitude + GridStep(_fractionDigits) - step, low, high, bounds);
        if (_magnitude == 0) return Overlaps(0, 1 - step, low, high, bounds); // a leading zero takes no more integer digits
        for (int k = 0; _integerDigits + k <= MaxIntegerDigits; k++)
        {
            decimal first = _magnitude * PowersOfTen[k];
            if (first > high) return false;
            if (Overlaps(first, (_magnitude + 1) * PowersOfTen[k] - step, low, high, bounds)) return true;
        }
        return false;
    }

    /// <summary>Whether [first, last] and [low, high] (all on the grid) share a number allowed: any grid point, or every GridMultiple-th.</summary>
    static bool Overlaps(decimal first, decimal last, decimal low, decimal high, DecimalBounds bounds)
    {
        decimal from = Math.Max(first, low), to = Math.Min(last, high);
        if (from > to) return false;
        if (bounds.GridMultiple == 1) return true;
        return JsonSchemaCompiler.HasMultiple(GridUnits(from, bounds), GridUnits(to, bounds), bounds.GridMultiple);
    }

    /// <summary>A value on the bounds' grid as a whole number of grid steps (below 10^28: exact in decimal and in Int128).</summary>
    static Int128 GridUnits(decimal value, DecimalBounds bounds) => (Int128)(value / bounds.Step);

    static decimal Pow10(int k)
    {
        decimal power = 1;
        for (int i = 0; i < k; i++) power *= 10;
        return power;
    }
}
