namespace Orleans;

/// <summary>Inert stand-in for Orleans' attribute of the same name.</summary>
[AttributeUsage(AttributeTargets.All)]
internal sealed class ImmutableAttribute : Attribute;
