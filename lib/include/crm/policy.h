/* policy.h: who may do what — the one table of roles × permissions. Every
 * role check in libcrm asks crm_policy_allows(); the write functions in SQL are
 * handed its answer as a parameter instead of knowing roles themselves.
 * Ownership (DESIGN §1: a salesperson sees only their customers) applies on top. */
#ifndef CRM_POLICY_H
#define CRM_POLICY_H

typedef enum crm_permission {
    CRM_CAN_SEE_ALL_CUSTOMERS,  /* every customer of the tenant, not only their own or their team's */
    CRM_CAN_WRITE_CUSTOMERS,    /* create and change customers, contacts, contact records, quotations */
    CRM_CAN_DELETE_CUSTOMERS,   /* tombstone a customer */
    CRM_CAN_ASSIGN_CUSTOMERS,   /* transfer, merge, create a customer for someone else */
    CRM_CAN_WRITE_ORDERS,       /* contracts and shipments */
    CRM_CAN_WRITE_PRODUCTS,     /* the product catalogue */
    CRM_CAN_WRITE_MONEY,        /* record, allocate and reverse payments; opening balances, write-offs */
    CRM_CAN_READ_USERS,         /* list users, read another user's agenda */
    CRM_CAN_MANAGE_USERS,       /* create, change and deactivate users and teams */
    CRM_CAN_CHANGE_TENANT,      /* the organization's settings */
    CRM_CAN_READ_AUDIT,         /* the audit log */
    CRM_PERMISSIONS
} crm_permission;

/* crm_policy_allows: whether `role` has permission `what`. An unknown role has none. */
int crm_policy_allows(const char *role, crm_permission what);

/* crm_policy_flag: crm_policy_allows as the text "t" or "f", the form in which
 * SQL write functions receive it. Borrowed static string. */
const char *crm_policy_flag(const char *role, crm_permission what);

/* crm_policy_name: the permission's name as the README's table writes it
 * ("customers:write"); NULL for a value out of range. */
const char *crm_policy_name(crm_permission what);

/* crm_role_valid: whether `role` is one of the six roles. */
int crm_role_valid(const char *role);

/* The roles, NULL-terminated, in the order the README lists them. */
extern const char *const crm_roles[];

#endif
