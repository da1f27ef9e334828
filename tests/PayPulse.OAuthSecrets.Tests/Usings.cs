global using System.Net;
global using Microsoft.Extensions.Time.Testing;
global using PayPulse.OAuthSecrets.Tests.Fakes;
