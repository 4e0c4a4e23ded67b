// The Twins source files this project compiles carry Orleans serializer attributes for the site's silo. The edge has
// no silo and no Orleans: these stand-ins give the attributes a meaning-free definition, so the same files compile
// here unchanged and nothing of Orleans reaches the binary.

namespace Orleans;

/// <summary>Inert stand-in for Orleans' attribute of the same name (the edge serialises nothing with Orleans).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Interface)]
internal sealed class GenerateSerializerAttribute : Attribute;
