# Written by `iamdsl export --format terraform` from organization_scp_rcp.iam.
# Organization acme (o-a1b2c3d4e5): apply with credentials for its management account.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["100000000001"]
}

data "aws_organizations_organization" "this" {}

resource "aws_organizations_policy" "DenyLeaveOrganization" {
  name = "DenyLeaveOrganization"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Deny"
        Action   = "organizations:LeaveOrganization"
        Resource = "*"
      },
    ]
  })
}

resource "aws_organizations_policy" "DenyOutsideEU" {
  name = "DenyOutsideEU"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Deny"
        NotAction = ["iam:*", "organizations:*", "sts:*", "support:*", "route53:*", "cloudfront:*", "budgets:*"]
        Resource  = "*"
        Condition = {
          StringNotEquals = {
            "aws:RequestedRegion" = ["eu-west-1", "eu-central-1"]
          }
        }
      },
    ]
  })
}

resource "aws_organizations_policy" "ProtectAuditLogs" {
  name = "ProtectAuditLogs"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Deny"
        Action   = ["s3:DeleteObject", "s3:DeleteBucket", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration"]
        Resource = ["arn:aws:s3:::acme-prod-audit-logs", "arn:aws:s3:::acme-prod-audit-logs/*"]
        Condition = {
          ArnNotLike = {
            "aws:PrincipalArn" = "arn:aws:iam::*:role/BreakGlass"
          }
        }
      },
    ]
  })
}

resource "aws_organizations_policy" "SandboxAllowList" {
  name = "SandboxAllowList"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:*", "ec2:*", "lambda:*", "dynamodb:*", "logs:*", "cloudwatch:*"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_organizations_policy" "OrgOnlyResources" {
  name = "OrgOnlyResources"
  type = "RESOURCE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:AssumeRole"]
        Resource  = "*"
        Condition = {
          BoolIfExists = {
            "aws:PrincipalIsAWSService" = "false"
          }
          StringNotEqualsIfExists = {
            "aws:PrincipalOrgID" = "o-a1b2c3d4e5"
          }
        }
      },
    ]
  })
}

resource "aws_organizations_organizational_unit" "Workloads" {
  name      = "Workloads"
  parent_id = data.aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_organizational_unit" "Sandbox" {
  name      = "Sandbox"
  parent_id = data.aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_policy_attachment" "DenyLeaveOrganization_root" {
  policy_id = aws_organizations_policy.DenyLeaveOrganization.id
  target_id = data.aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_policy_attachment" "DenyOutsideEU_root" {
  policy_id = aws_organizations_policy.DenyOutsideEU.id
  target_id = data.aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_policy_attachment" "OrgOnlyResources_root" {
  policy_id = aws_organizations_policy.OrgOnlyResources.id
  target_id = data.aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_policy_attachment" "ProtectAuditLogs_prod" {
  policy_id = aws_organizations_policy.ProtectAuditLogs.id
  target_id = "200000000002"
}

resource "aws_organizations_policy_attachment" "SandboxAllowList_Sandbox" {
  policy_id = aws_organizations_policy.SandboxAllowList.id
  target_id = aws_organizations_organizational_unit.Sandbox.id
}
