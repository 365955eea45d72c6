import type { FeatureTexts } from '../../lib/i18n';

const texts: FeatureTexts = {
  'zh-CN': {
    title: '产品目录',
    new: '新建产品',
    edit: '编辑产品',
    searchLabel: '搜索产品',
    searchPlaceholder: '名称或编号',
    activeFilter: '状态',
    active: '在售',
    inactive: '已停用',
    actions: '操作',
    deactivate: '停用',
    activate: '启用',
    empty: '目录里还没有产品。',
    field: { sku: '编号', name: '名称', description: '说明', unit: '单位', unit_price: '单价', tax_rate: '税率（%）', active: '状态' },
  },
  en: {
    title: 'Product catalogue',
    new: 'New product',
    edit: 'Edit product',
    searchLabel: 'Search products',
    searchPlaceholder: 'Name or SKU',
    activeFilter: 'Status',
    active: 'Active',
    inactive: 'Inactive',
    actions: 'Actions',
    deactivate: 'Deactivate',
    activate: 'Activate',
    empty: 'The catalogue has no products yet.',
    field: { sku: 'SKU', name: 'Name', description: 'Description', unit: 'Unit', unit_price: 'Unit price', tax_rate: 'Tax rate (%)', active: 'Status' },
  },
};
export default texts;
