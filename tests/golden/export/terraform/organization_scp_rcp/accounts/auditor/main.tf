# Written by `iamdsl export --format terraform` from organization_scp_rcp.iam.
# Account auditor (900000000009): apply with credentials for this account.

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
  allowed_account_ids = ["900000000009"]
}

resource "aws_iam_role" "Reviewer" {
  name = "Reviewer"
  path = "/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
}

resource "aws_iam_role_policy" "Reviewer_inline" {
  name = "inline"
  role = aws_iam_role.Reviewer.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "arn:aws:s3:::acme-prod-audit-logs/*"
      },
      {
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = "arn:aws:s3:::acme-prod-audit-logs"
      },
    ]
  })
}
