using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Tier2.Standalone.Catalog;

/// <summary>Calls a function's method on a fresh instance and awaits whatever it returns.</summary>
/// <remarks>
/// No ConfigureAwait(false) here: orchestrator code must resume on DTFx's orchestration scheduler.
/// </remarks>
internal static class FunctionInvoker
{
    /// <summary>
    /// Invokes <paramref name="function"/> with <paramref name="arguments"/>; the instance comes from
    /// <paramref name="services"/> (the invocation's scope). Returns the awaited result (null for void/Task).
    /// </summary>
    public static async Task<object?> InvokeAsync(FunctionDescriptor function, IServiceProvider services, object?[] arguments)
    {
        object? instance = function.CreateInstance(services);
        try
        {
            object? returned;
            try
            {
                returned = function.Method.Invoke(instance, arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                // The function's own exception, not reflection's wrapper, is what callers (DTFx failure
                // details, the HTTP pipeline) must see.
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }

            return await AwaitResultAsync(returned, function.Method.ReturnType);
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    /// <summary>The type a function's return type yields once awaited (void for Task/ValueTask).</summary>
    public static Type ResultType(Type returnType)
    {
        if (returnType == typeof(Task) || returnType == typeof(ValueTask))
        {
            return typeof(void);
        }

        if (returnType.IsGenericType
            && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return returnType.GetGenericArguments()[0];
        }

        return returnType;
    }

    private static async Task<object?> AwaitResultAsync(object? returned, Type returnType)
    {
        Task? task = returned switch
        {
            Task t => t,
            ValueTask vt => vt.AsTask(),
            _ when returned is not null && returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)
                => (Task)returnType.GetMethod(nameof(ValueTask<object>.AsTask))!.Invoke(returned, null)!,
            _ => null,
        };
        if (task is null)
        {
            return returned;
        }

        await task;
        Type resultType = ResultType(returnType);
        return resultType == typeof(void) ? null : task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task);
    }
}
