using TwinGuard.Twins.Relations;

namespace TwinGuard.Twins.Plant;

/// <summary>A relation that the physics must obey between signals, e.g. <c>pump1.flow ~ 0.8 * pump1.speed</c>.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Kind"><c>algebraic</c> or <c>dynamic</c> (uses <c>der(...)</c>).</param>
/// <param name="Expression">The relation as written in the plant model.</param>
/// <param name="Tolerance">Largest credible residual: in the unit of the left-hand side for an algebraic relation; for
/// a dynamic one, of the residual integrated over <see cref="Window"/> (the left side's unit times seconds, e.g. m for
/// <c>der(tank1.level)</c>). See docs/relations.md.</param>
/// <param name="Signals">The <c>asset.signal</c> references the expression uses, checked against the model at load.</param>
public sealed record RelationModel(string Id, string Kind, string Expression, double Tolerance, IReadOnlyList<string> Signals)
{
    /// <summary>Default of <see cref="Window"/>.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="MaxAge"/>.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromSeconds(2);

    /// <summary>Named coefficients the expression uses as bare names, with their values (<c>coefficients: {k: 0.05}</c>);
    /// <c>twinguard calibrate</c> fits them.</summary>
    /// <value>None.</value>
    public IReadOnlyList<KeyValuePair<string, double>> Coefficients { get; init; } = [];

    /// <summary>Memory of the integrated residual of a dynamic relation (its leak time constant).</summary>
    /// <value>30 s.</value>
    public TimeSpan Window { get; init; } = DefaultWindow;

    /// <summary>How far apart in device time the inputs may be: an input this much older than the newest one makes the
    /// relation unknown rather than evaluated on a stale value.</summary>
    /// <value>2 s.</value>
    public TimeSpan MaxAge { get; init; } = DefaultMaxAge;

    /// <summary>Standard deviation of the residual in normal operation (from calibration); scales the streaming
    /// detector on the residual. Null: learned online.</summary>
    public double? Noise { get; init; }

    /// <summary>The relation compiled at load (null when the record was built in code: see <see cref="CompileFor"/>).</summary>
    public CompiledRelation? Compiled { get; init; }

    /// <summary>True for a dynamic relation (one whose residual is integrated).</summary>
    public bool IsDynamic => string.Equals(Kind, "dynamic", StringComparison.Ordinal);

    /// <summary>The compiled relation, compiling it against <paramref name="plant"/> when it was not compiled at load.</summary>
    /// <exception cref="RelationSyntaxException">The expression is not valid for this plant.</exception>
    public CompiledRelation CompileFor(PlantModel plant) => Compiled ?? CompiledRelation.Compile(Expression, plant, Coefficients);
}
