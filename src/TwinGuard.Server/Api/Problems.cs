using Microsoft.AspNetCore.Http.HttpResults;

namespace TwinGuard.Server.Api;

/// <summary>RFC 7807 problem details: every error the API answers has this shape (<c>application/problem+json</c>).</summary>
internal static class Problems
{
    public static ProblemHttpResult Result(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    public static ProblemHttpResult NotFound(string detail) => Result(StatusCodes.Status404NotFound, "Not found", detail);

    public static ProblemHttpResult BadRequest(string detail) => Result(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static ProblemHttpResult Conflict(string detail) => Result(StatusCodes.Status409Conflict, "Conflict", detail);

    /// <summary>423 Locked (RFC 4918 §11.3): the twin is read-only because of a lockdown.</summary>
    public static ProblemHttpResult Locked(string detail) => Result(StatusCodes.Status423Locked, "Twin is read-only", detail);

    public static Task WriteAsync(HttpContext context, int status, string title, string detail) =>
        Result(status, title, detail).ExecuteAsync(context);
}
