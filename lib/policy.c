/* policy.c: the role × permission table. Reading the table tells the whole
 * access policy; nothing else in libcrm compares role names. */
#include "crm/policy.h"

#include <string.h>

const char *const crm_roles[] = {"admin", "manager", "sales", "assistant", "finance", "service", NULL};

enum { ADMIN = 1 << 0, MANAGER = 1 << 1, SALES = 1 << 2, ASSISTANT = 1 << 3, FINANCE = 1 << 4, SERVICE = 1 << 5 };

static const struct {
    const char *name;
    unsigned roles;
} POLICY[CRM_PERMISSIONS] = {
    [CRM_CAN_SEE_ALL_CUSTOMERS] = {"customers:read-all", ADMIN | ASSISTANT | FINANCE | SERVICE},
    [CRM_CAN_WRITE_CUSTOMERS] = {"customers:write", ADMIN | MANAGER | SALES},
    [CRM_CAN_DELETE_CUSTOMERS] = {"customers:delete", ADMIN | MANAGER},
    [CRM_CAN_ASSIGN_CUSTOMERS] = {"customers:assign", ADMIN | MANAGER},
    [CRM_CAN_WRITE_ORDERS] = {"orders:write", ADMIN | MANAGER | SALES | ASSISTANT},
    [CRM_CAN_WRITE_PRODUCTS] = {"products:write", ADMIN | MANAGER | ASSISTANT},
    [CRM_CAN_WRITE_MONEY] = {"money:write", ADMIN | FINANCE},
    [CRM_CAN_READ_USERS] = {"users:read", ADMIN | MANAGER},
    [CRM_CAN_MANAGE_USERS] = {"users:manage", ADMIN},
    [CRM_CAN_CHANGE_TENANT] = {"tenant:write", ADMIN},
    [CRM_CAN_READ_AUDIT] = {"audit:read", ADMIN},
};

static unsigned role_bit(const char *role)
{
    for (int i = 0; role && crm_roles[i]; i++)
        if (strcmp(crm_roles[i], role) == 0)
            return 1u << i;
    return 0;
}

int crm_policy_allows(const char *role, crm_permission what)
{
    if ((unsigned)what >= CRM_PERMISSIONS)
        return 0;
    return (POLICY[what].roles & role_bit(role)) != 0;
}

const char *crm_policy_flag(const char *role, crm_permission what) { return crm_policy_allows(role, what) ? "t" : "f"; }

const char *crm_policy_name(crm_permission what) { return (unsigned)what < CRM_PERMISSIONS ? POLICY[what].name : NULL; }

int crm_role_valid(const char *role) { return role_bit(role) != 0; }
