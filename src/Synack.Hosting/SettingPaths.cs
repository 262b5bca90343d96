using System.Reflection;
using Microsoft.Extensions.Configuration;
using Synack.Server;

namespace Synack.Hosting;

/// <summary>
/// The settings of a server's section matched to the <see cref="ServerOptions"/> properties they set (ServerOptions, its
/// Connection options and their nested options), for what the configuration binder does not say: which key a setter
/// rejected, and which keys are TimeSpans (issue 15).
/// </summary>
internal static class SettingPaths
{
    private const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase;

    /// <summary>Every key with a value whose property is known, with the property's type.</summary>
    public static IEnumerable<(IConfigurationSection Leaf, Type Type)> Leaves(IConfigurationSection section) => Leaves(section, typeof(ServerOptions));

    /// <summary>
    /// The first key whose value the property's setter (or its conversion) rejects, tried one at a time on a fresh
    /// <see cref="ServerOptions"/>; null when none does alone.
    /// </summary>
    public static (string Path, Exception Error)? FindRejected(IConfigurationSection section)
    {
        foreach ((IConfigurationSection leaf, _) in Leaves(section))
        {
            try
            {
                Set(new ServerOptions(), section.Path, leaf);
            }
            catch (Exception e)
            {
                return (leaf.Path, ServerConfiguration.Unwrap(e));
            }
        }

        return null;
    }

    private static IEnumerable<(IConfigurationSection, Type)> Leaves(IConfigurationSection section, Type type)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (type.GetProperty(child.Key, Public) is not { } property)
            {
                continue;
            }

            if (child.Value is not null)
            {
                yield return (child, property.PropertyType);
            }
            else if (property.PropertyType.IsClass && property.PropertyType != typeof(string))
            {
                foreach ((IConfigurationSection, Type) nested in Leaves(child, property.PropertyType))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>Sets the one property <paramref name="leaf"/> names (relative to <paramref name="root"/>) on <paramref name="options"/>.</summary>
    private static void Set(ServerOptions options, string root, IConfigurationSection leaf)
    {
        string[] names = leaf.Path[(root.Length + 1)..].Split(ConfigurationPath.KeyDelimiter);
        object? target = options;
        for (int i = 0; i < names.Length - 1 && target is not null; i++)
        {
            target = target.GetType().GetProperty(names[i], Public)?.GetValue(target);
        }

        if (target?.GetType().GetProperty(names[^1], Public) is { CanWrite: true } property)
        {
            property.SetValue(target, leaf.Get(property.PropertyType));
        }
    }
}
