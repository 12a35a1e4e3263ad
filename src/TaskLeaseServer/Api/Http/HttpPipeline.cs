using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Patterns;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// The request pipeline of the wire contract, in the contract's order: errors become the envelope,
/// the path is normalised, the API token checked, the route found (an unknown route or method is
/// 404, never 405), and the body read with its size limit before the handler runs.
/// </summary>
public static class HttpPipeline
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    public static void UseContractHttp(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<ApiTokenAuth>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TaskLeaseServer.Http");
        app.Use((context, next) => AnswerErrors(context, next, log));
        // Before the token check: a browser cannot send a bearer to open the page, and the page holds
        // no data (it reads the open /openapi.json; its Authorize button supplies tokens for the calls).
        app.UseSwaggerUi();
        app.Use((context, next) =>
        {
            RequestPath.Normalize(context);
            return next(context);
        });
        app.UseRouting();
        app.Use(async (context, next) =>
        {
            // The token is checked before "no such route", so an unknown route without the token is a 401.
            var endpoint = KnownEndpoint(context);
            auth.Check(context, endpoint?.Metadata);
            if (endpoint is null) throw ApiError.NotFound($"no such route: {context.Request.Method} {RequestPath.Of(context).Raw}");
            UnescapeRouteValues(context);
            if (context.Request.Method != "GET") await RequestBody.ReadAsync(context);
            await next(context);
        });
    }

    private static async Task AnswerErrors(HttpContext context, RequestDelegate next, ILogger log)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && Reply.ErrorOf(e) is { } error)
        {
            await error.ExecuteAsync(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var reply = e.StatusCode == 413
                ? Reply.Error(413, "payload_too_large", "request body is too large")
                : Reply.Error(e.StatusCode is >= 400 and < 500 ? e.StatusCode : 400, "invalid_request", "malformed HTTP request: " + e.Message);
            await reply.ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            log.LogError(e, "Unhandled failure on {Method} {Path}", context.Request.Method, context.Request.Path);
            await Reply.Error(500, "internal_error", "unexpected server failure").ExecuteAsync(context);
        }
    }

    /// <summary>The route the request names, or null: an unknown path, method, or route word in the wrong case.</summary>
    private static RouteEndpoint? KnownEndpoint(HttpContext context)
    {
        var method = context.Request.Method;
        return context.GetEndpoint() is RouteEndpoint endpoint &&
            Methods.Contains(method, StringComparer.Ordinal) &&
            endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(method, StringComparer.Ordinal) == true &&
            LiteralsMatch(endpoint.RoutePattern, RequestPath.Of(context).Segments)
                ? endpoint
                : null;
    }

    private static void UnescapeRouteValues(HttpContext context)
    {
        foreach (var (key, value) in context.Request.RouteValues)
        {
            if (value is string s) context.Request.RouteValues[key] = RequestPath.Unescape(s);
        }
    }

    /// <summary>Route words are compared exactly (routing itself ignores case).</summary>
    private static bool LiteralsMatch(RoutePattern pattern, IReadOnlyList<string> segments)
    {
        for (var i = 0; i < pattern.PathSegments.Count && i < segments.Count; i++)
        {
            if (pattern.PathSegments[i].Parts is [RoutePatternLiteralPart literal] &&
                !string.Equals(literal.Content, segments[i], StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }
}
