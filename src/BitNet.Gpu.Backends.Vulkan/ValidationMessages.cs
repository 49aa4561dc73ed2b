using System.Runtime.InteropServices;
using Silk.NET.Core;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// Collects VK_EXT_debug_utils messages of warning or error severity. The extension's functions are looked up with
/// vkGetInstanceProcAddr (Silk.NET's EXT extension package is not available here).
/// </summary>
internal sealed unsafe class ValidationMessages : IDisposable
{
    readonly List<string> _messages = [];
    readonly Vk _vk;
    readonly Instance _instance;
    GCHandle _self;
    DebugUtilsMessengerEXT _messenger;

    public const string ExtensionName = "VK_EXT_debug_utils";
    public const string LayerName = "VK_LAYER_KHRONOS_validation";
    /// <summary>The layer's extension that turns on GPU-assisted validation.</summary>
    public const string FeaturesExtensionName = "VK_EXT_validation_features";

    public ValidationMessages(Vk vk, Instance instance)
    {
        _vk = vk;
        _instance = instance;
        _self = GCHandle.Alloc(this);
        var create = (delegate* unmanaged<Instance, DebugUtilsMessengerCreateInfoEXT*, AllocationCallbacks*, DebugUtilsMessengerEXT*, Result>)
            (void*)vk.GetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT");
        if (create == null) throw new VulkanException($"{ExtensionName} is enabled but vkCreateDebugUtilsMessengerEXT was not found");
        var info = new DebugUtilsMessengerCreateInfoEXT
        {
            SType = StructureType.DebugUtilsMessengerCreateInfoExt,
            MessageSeverity = DebugUtilsMessageSeverityFlagsEXT.WarningBitExt | DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt,
            MessageType = DebugUtilsMessageTypeFlagsEXT.GeneralBitExt | DebugUtilsMessageTypeFlagsEXT.ValidationBitExt
                        | DebugUtilsMessageTypeFlagsEXT.PerformanceBitExt,
            PfnUserCallback = new PfnDebugUtilsMessengerCallbackEXT(&OnMessage),
            PUserData = (void*)GCHandle.ToIntPtr(_self),
        };
        DebugUtilsMessengerEXT messenger;
        VulkanException.Check(create(instance, &info, null, &messenger), "vkCreateDebugUtilsMessengerEXT");
        _messenger = messenger;
    }

    /// <summary>Throws <see cref="VulkanValidationException"/> with every message since the last call, if there were any.</summary>
    public void ThrowIfAny()
    {
        string[] messages;
        lock (_messages)
        {
            if (_messages.Count == 0) return;
            messages = [.. _messages];
            _messages.Clear();
        }
        throw new VulkanValidationException(messages);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static Bool32 OnMessage(DebugUtilsMessageSeverityFlagsEXT severity, DebugUtilsMessageTypeFlagsEXT types,
                            DebugUtilsMessengerCallbackDataEXT* data, void* userData)
    {
        var self = (ValidationMessages)GCHandle.FromIntPtr((nint)userData).Target!;
        string text = SilkMarshal.PtrToString((nint)data->PMessage) ?? "(no message)";
        lock (self._messages) self._messages.Add($"[{severity}] {text}");
        return false;   // never abort the call that caused the message
    }

    public void Dispose()
    {
        if (_messenger.Handle != 0)
        {
            var destroy = (delegate* unmanaged<Instance, DebugUtilsMessengerEXT, AllocationCallbacks*, void>)
                (void*)_vk.GetInstanceProcAddr(_instance, "vkDestroyDebugUtilsMessengerEXT");
            if (destroy != null) destroy(_instance, _messenger, null);
            _messenger = default;
        }
        if (_self.IsAllocated) _self.Free();
    }
}
