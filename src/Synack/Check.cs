namespace Synack;

/// <summary>Validation for option setters: out-of-range values fail loudly at configuration time.</summary>
internal static class Check
{
    public static T Range<T>(T value, T min, T max, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"must be between {min} and {max}");
        }

        return value;
    }

    public static T? OptionalRange<T>(T? value, T min, T max, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
        where T : struct, IComparable<T> =>
        value is null ? null : Range(value.Value, min, max, name);
}
