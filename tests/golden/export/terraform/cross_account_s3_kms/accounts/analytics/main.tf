# Written by `iamdsl export --format terraform` from cross_account_s3_kms.iam.
# Account analytics (444455556666): apply with credentials for this account.

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
  allowed_account_ids = ["444455556666"]
}

resource "aws_iam_role" "ReportReader" {
  name = "ReportReader"
  path = "/reporting/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
  tags = {
    team = "bi"
  }
}

resource "aws_iam_role_policy" "ReportReader_ReadReports" {
  name = "ReadReports"
  role = aws_iam_role.ReportReader.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "arn:aws:s3:::acme-data-reports/*"
      },
      {
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = "arn:aws:s3:::acme-data-reports"
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:DescribeKey"]
        Resource = "arn:aws:kms:eu-west-1:111122223333:key/6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"
      },
    ]
  })
}

resource "aws_iam_role" "Dashboards" {
  name = "Dashboards"
  path = "/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
}

resource "aws_iam_role_policy" "Dashboards_inline" {
  name = "inline"
  role = aws_iam_role.Dashboards.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = "arn:aws:s3:::acme-data-reports"
      },
    ]
  })
}
