using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TaskLeaseServer.Client;

public static class WorkerRegistration
{
    /// <summary>
    /// Adds a hosted <see cref="TaskLeaseWorker"/> for one role. Call it once per role a host works.
    /// The worker uses the container's <see cref="TaskLeaseClient"/> if one is registered, else its own
    /// for <see cref="TaskLeaseWorkerOptions.Server"/> and <see cref="TaskLeaseWorkerOptions.ApiKey"/>.
    /// </summary>
    public static IServiceCollection AddTaskLeaseWorker(this IServiceCollection services, Action<TaskLeaseWorkerOptions> configure, TaskHandler handler)
    {
        var options = new TaskLeaseWorkerOptions();
        configure(options);
        options.Validate();
        services.AddSingleton<IHostedService>(sp => new TaskLeaseWorker(
            sp.GetService<TaskLeaseClient>() ?? new TaskLeaseClient(new HttpClient { BaseAddress = options.Server },
                new TaskLeaseClientOptions { ApiKey = options.ApiKey, TimeProvider = options.TimeProvider }),
            options, handler,
            sp.GetService<ILogger<TaskLeaseWorker>>() ?? NullLogger<TaskLeaseWorker>.Instance));
        return services;
    }
}
