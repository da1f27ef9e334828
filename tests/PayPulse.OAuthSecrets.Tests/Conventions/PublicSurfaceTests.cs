using System.Reflection;

namespace PayPulse.OAuthSecrets.Tests.Conventions;

public sealed class PublicSurfaceTests
{
    private static readonly Assembly Library = typeof(IOAuthTokenStore).Assembly;

    [Fact]
    public void InternalNamespaces_HaveNoPublicTypes()
    {
        Library.GetExportedTypes()
            .Where(t => t.Namespace?.Contains(".Internal", StringComparison.Ordinal) == true)
            .Should().BeEmpty();
    }

    [Fact]
    public void PublicClasses_AreSealedOrStaticUnlessDesignedForInheritance()
    {
        Library.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsSealed && !(t.IsAbstract && t.IsSealed))
            .Should().Equal(typeof(OAuthSecretsException));
    }

    [Fact]
    public void PublicExceptions_DeriveFromTheBaseAndHaveTheStandardConstructors()
    {
        var exceptions = Library.GetExportedTypes().Where(t => typeof(Exception).IsAssignableFrom(t)).ToList();

        exceptions.Should().NotBeEmpty();
        foreach (var type in exceptions)
        {
            type.Should().BeAssignableTo<OAuthSecretsException>();
            type.GetConstructor(Type.EmptyTypes).Should().NotBeNull(type.Name);
            type.GetConstructor([typeof(string)]).Should().NotBeNull(type.Name);
            type.GetConstructor([typeof(string), typeof(Exception)]).Should().NotBeNull(type.Name);
            typeof(OperationCanceledException).IsAssignableFrom(type).Should().BeFalse(type.Name);
        }
    }

    [Fact]
    public void PublicAsyncMethods_EndInAsyncAndTakeACancellationTokenLast()
    {
        var methods = Library.GetExportedTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => typeof(Task).IsAssignableFrom(m.ReturnType))
            .ToList();

        methods.Should().NotBeEmpty();
        foreach (var method in methods)
        {
            method.Name.Should().EndWith("Async");
            var last = method.GetParameters().Last();
            last.ParameterType.Should().Be<CancellationToken>(method.Name);
            last.Name.Should().Be("cancellationToken");
            last.HasDefaultValue.Should().BeTrue(method.Name);
        }
    }
}
