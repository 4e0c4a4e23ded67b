namespace TwinGuard.Twins.Relations;

/// <summary>One coefficient of a relation as calibration fitted it.</summary>
/// <param name="Name">Its name in the expression.</param>
/// <param name="Initial">The value in the plant model.</param>
/// <param name="Fitted">The least-squares value.</param>
/// <param name="StandardError">Its standard error (from the residual variance and the Jacobian); NaN when not defined.</param>
public sealed record FittedCoefficient(string Name, double Initial, double Fitted, double StandardError);
