using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Tier2.Functions.Invites;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Orders;

namespace Tier2.Functions.Tests.Orders;

/// <summary>The typed activity descriptors the orchestrators call through match the activity functions that serve them.</summary>
public sealed class ActivityFunctionsOrchestrationTests
{
    public static TheoryData<Type> ActivityClasses => new() { typeof(InviteActivities), typeof(OnboardingActivities) };

    private static IEnumerable<(string Field, string Name, Type Input, Type Output)> Descriptors(Type activities) =>
        activities.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(Activity<,>))
            .Select(f =>
            {
                Assert.True(f.IsInitOnly, $"{activities.Name}.{f.Name} should be readonly.");
                var arguments = f.FieldType.GetGenericArguments();
                var name = (string)f.FieldType.GetProperty(nameof(Activity<object, object>.Name))!.GetValue(f.GetValue(null))!;
                return (f.Name, name, arguments[0], arguments[1]);
            });

    [Theory]
    [MemberData(nameof(ActivityClasses))]
    public void Every_activity_descriptor_names_a_function_with_an_activity_trigger_of_its_input_type_returning_its_output_type(Type activities)
    {
        var descriptors = Descriptors(activities).ToList();
        Assert.NotEmpty(descriptors);
        foreach (var (field, name, input, output) in descriptors)
        {
            var method = activities.GetMethod(name, BindingFlags.Public | BindingFlags.Instance);
            Assert.True(method is not null, $"{activities.Name}.{field} names '{name}', which is no public instance method of {activities.Name}.");
            Assert.Equal(name, method.GetCustomAttribute<FunctionAttribute>()?.Name);
            var parameters = method.GetParameters();
            var trigger = Assert.Single(parameters, p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null);
            Assert.Equal(input, trigger.ParameterType);
            Assert.All(parameters.Where(p => p != trigger), p => Assert.Equal(typeof(CancellationToken), p.ParameterType));
            Assert.Equal(typeof(Task<>).MakeGenericType(output), method.ReturnType);
        }
    }

    [Theory]
    [MemberData(nameof(ActivityClasses))]
    public void Every_activity_function_has_a_descriptor(Type activities)
    {
        var described = Descriptors(activities).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var functions = activities.GetMethods().Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null).Select(m => m.GetCustomAttribute<FunctionAttribute>()!.Name).ToList();

        Assert.Equal(described.Order(StringComparer.Ordinal), functions.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Function_names_are_unique_across_the_app()
    {
        var names = typeof(InviteActivities).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<FunctionAttribute>()?.Name)
            .OfType<string>()
            .ToList();

        Assert.Empty(names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    [Theory]
    [InlineData(typeof(PartnershipInviteOrchestration), PartnershipInviteOrchestration.Name)]
    [InlineData(typeof(CustomerOnboardingOrchestration), CustomerOnboardingOrchestration.Name)]
    public void The_orchestrators_are_functions_with_an_orchestration_trigger(Type orchestration, string name)
    {
        var method = Assert.Single(orchestration.GetMethods(), m => m.GetCustomAttribute<FunctionAttribute>() is not null);
        Assert.Equal(name, method.GetCustomAttribute<FunctionAttribute>()!.Name);
        var trigger = Assert.Single(method.GetParameters());
        Assert.NotNull(trigger.GetCustomAttribute<OrchestrationTriggerAttribute>());
        Assert.Equal(typeof(TaskOrchestrationContext), trigger.ParameterType);
    }
}
