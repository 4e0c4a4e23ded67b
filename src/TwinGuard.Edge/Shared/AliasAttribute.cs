namespace Orleans;

/// <summary>Inert stand-in for Orleans' attribute of the same name.</summary>
[AttributeUsage(AttributeTargets.All, AllowMultiple = true)]
internal sealed class AliasAttribute(string alias) : Attribute
{
    /// <summary>The alias as written.</summary>
    public string Alias { get; } = alias;
}
