using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace McpServer.AspNetCore;

/// <summary>
/// Registers <see cref="IOptions{TOptions}"/> of one options type as a closed service, computed as
/// the default computes it: every <see cref="IConfigureOptions{TOptions}"/>, then every
/// <see cref="IPostConfigureOptions{TOptions}"/>, then validation, once.
/// </summary>
/// <remarks>
/// The default is the open generic <c>UnnamedOptionsManager&lt;T&gt;</c> over <see cref="OptionsFactory{TOptions}"/>.
/// Under Native AOT the container constructs those generic types and their enumerables at run time,
/// by reflection and the runtime's type loader, the first time each options type is asked for: that was
/// most of the instructions the AOT build executed before its first result. A closed registration names
/// the types in code, so they are compiled ahead of time (benchmarks/README.md#native-aot).
/// </remarks>
internal static class ClosedOptions
{
    public static void Add<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(IServiceCollection services)
        where T : class
    {
        services.AddOptions();
        services.TryAddSingleton<IOptions<T>>(sp => Options.Create(new OptionsFactory<T>(
            sp.GetServices<IConfigureOptions<T>>(),
            sp.GetServices<IPostConfigureOptions<T>>(),
            sp.GetServices<IValidateOptions<T>>()).Create(Options.DefaultName)));
    }
}
