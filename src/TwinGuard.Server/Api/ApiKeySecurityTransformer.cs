using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TwinGuard.Server.Api;

/// <summary>Declares the API-key bearer scheme in the OpenAPI document and requires it everywhere.</summary>
internal sealed class ApiKeySecurityTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "TwinGuard API";
        document.Info.Description = "The operator's API of one TwinGuard site. Every endpoint but /health needs an API key "
                                    + "(Authorization: Bearer tgk_...). Roles: viewer < operator < admin. Errors are RFC 7807 problem+json.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key made with `twinguard keys create`",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] });
        return Task.CompletedTask;
    }
}
