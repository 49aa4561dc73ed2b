using BitNet.Gpu.Kernels.Vulkan;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>One compute shader made ready to dispatch: its pipeline, with N storage-buffer bindings in set 0 and push constants.
/// It names the bindings the shader writes, so a step records barriers only where one dispatch depends on another.</summary>
internal sealed unsafe class Kernel : IDisposable
{
    readonly VulkanContext _context;
    readonly ShaderModule _module;

    public string Name { get; }
    public int BindingCount { get; }
    public uint PushConstantBytes { get; }
    public DescriptorSetLayout SetLayout { get; }
    public PipelineLayout Layout { get; }
    public Pipeline Pipeline { get; }
    /// <summary>Bit i set: the shader writes binding i (every binding is taken as read).</summary>
    public uint WrittenBindings { get; }

    public Kernel(VulkanContext context, string name, int bindingCount, int pushConstantWords, params int[] writes)
    {
        _context = context;
        Name = name;
        BindingCount = bindingCount;
        foreach (int binding in writes)
            WrittenBindings |= (uint)binding < (uint)bindingCount ? 1u << binding : throw new ArgumentOutOfRangeException(nameof(writes), binding, $"{name} has {bindingCount} bindings");
        PushConstantBytes = (uint)pushConstantWords * 4;
        var vk = context.Vk;

        var code = VulkanShaders.Load(name);
        fixed (byte* pointer = code)
        {
            var moduleInfo = new ShaderModuleCreateInfo { SType = StructureType.ShaderModuleCreateInfo, CodeSize = (nuint)code.Length, PCode = (uint*)pointer };
            VulkanException.Check(vk.CreateShaderModule(context.Device, in moduleInfo, null, out _module), $"vkCreateShaderModule({name})");
        }

        var bindings = stackalloc DescriptorSetLayoutBinding[bindingCount];
        for (int i = 0; i < bindingCount; i++)
            bindings[i] = new DescriptorSetLayoutBinding
            {
                Binding = (uint)i, DescriptorType = DescriptorType.StorageBuffer, DescriptorCount = 1, StageFlags = ShaderStageFlags.ComputeBit,
            };
        var setInfo = new DescriptorSetLayoutCreateInfo { SType = StructureType.DescriptorSetLayoutCreateInfo, BindingCount = (uint)bindingCount, PBindings = bindings };
        VulkanException.Check(vk.CreateDescriptorSetLayout(context.Device, in setInfo, null, out var setLayout), "vkCreateDescriptorSetLayout");
        SetLayout = setLayout;

        var pushRange = new PushConstantRange { StageFlags = ShaderStageFlags.ComputeBit, Offset = 0, Size = PushConstantBytes };
        var layoutInfo = new PipelineLayoutCreateInfo
        {
            SType = StructureType.PipelineLayoutCreateInfo, SetLayoutCount = 1, PSetLayouts = &setLayout,
            PushConstantRangeCount = 1, PPushConstantRanges = &pushRange,
        };
        VulkanException.Check(vk.CreatePipelineLayout(context.Device, in layoutInfo, null, out var layout), "vkCreatePipelineLayout");
        Layout = layout;

        using var entry = new NativeString("main");
        var pipelineInfo = new ComputePipelineCreateInfo
        {
            SType = StructureType.ComputePipelineCreateInfo, Layout = layout,
            Stage = new PipelineShaderStageCreateInfo
            {
                SType = StructureType.PipelineShaderStageCreateInfo, Stage = ShaderStageFlags.ComputeBit, Module = _module, PName = entry.Pointer,
            },
        };
        VulkanException.Check(vk.CreateComputePipelines(context.Device, default, 1, in pipelineInfo, null, out var pipeline), $"vkCreateComputePipelines({name})");
        Pipeline = pipeline;
    }

    public void Dispose()
    {
        var vk = _context.Vk;
        vk.DestroyPipeline(_context.Device, Pipeline, null);
        vk.DestroyPipelineLayout(_context.Device, Layout, null);
        vk.DestroyDescriptorSetLayout(_context.Device, SetLayout, null);
        vk.DestroyShaderModule(_context.Device, _module, null);
    }
}
