# Written by `iamdsl export --format terraform` from organization_scp_rcp.iam.
# Account prod (200000000002): apply with credentials for this account.

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
  allowed_account_ids = ["200000000002"]
}

resource "aws_iam_role" "Admin" {
  name = "Admin"
  path = "/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
}

resource "aws_iam_role_policy_attachment" "Admin_AdministratorAccess" {
  role       = aws_iam_role.Admin.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_role" "BreakGlass" {
  name = "BreakGlass"
  path = "/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
}

resource "aws_iam_role_policy_attachment" "BreakGlass_AdministratorAccess" {
  role       = aws_iam_role.BreakGlass.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_s3_bucket_policy" "audit_logs" {
  bucket = "acme-prod-audit-logs"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::900000000009:root"
        }
        Action   = "s3:GetObject"
        Resource = "arn:aws:s3:::acme-prod-audit-logs/*"
      },
      {
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::900000000009:root"
        }
        Action   = "s3:ListBucket"
        Resource = "arn:aws:s3:::acme-prod-audit-logs"
      },
    ]
  })
}
