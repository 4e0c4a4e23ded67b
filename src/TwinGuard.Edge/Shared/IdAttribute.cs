namespace Orleans;

/// <summary>Inert stand-in for Orleans' attribute of the same name.</summary>
[AttributeUsage(AttributeTargets.All)]
internal sealed class IdAttribute(uint id) : Attribute
{
    /// <summary>The member's serialisation id as written.</summary>
    public uint Id { get; } = id;
}
