# Written by `iamdsl export --format terraform` from cross_account_s3_kms.iam.
# Account data (111122223333): apply with credentials for this account.

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
  allowed_account_ids = ["111122223333"]
}

resource "aws_iam_user" "breakglass" {
  name = "breakglass"
  path = "/emergency/"
  tags = {
    owner = "security"
  }
}

resource "aws_iam_user_policy_attachment" "breakglass_AdministratorAccess" {
  user       = aws_iam_user.breakglass.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_role" "ReportPublisher" {
  name = "ReportPublisher"
  path = "/"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Principal = {
          Service = "glue.amazonaws.com"
        }
        Action = "sts:AssumeRole"
      },
    ]
  })
}

resource "aws_iam_role_policy" "ReportPublisher_inline" {
  name = "inline"
  role = aws_iam_role.ReportPublisher.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:DeleteObject"]
        Resource = "arn:aws:s3:::acme-data-reports/*"
      },
      {
        Effect   = "Allow"
        Action   = "kms:GenerateDataKey"
        Resource = "arn:aws:kms:eu-west-1:111122223333:key/6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"
      },
    ]
  })
}

resource "aws_kms_key_policy" "reports_key" {
  key_id = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "EnableIAMPolicies"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = "kms:*"
        Resource = "*"
      },
      {
        Sid    = "AnalyticsDecryptViaS3"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::444455556666:role/reporting/ReportReader"
        }
        Action   = ["kms:Decrypt", "kms:DescribeKey"]
        Resource = "arn:aws:kms:eu-west-1:111122223333:key/6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"
        Condition = {
          StringEquals = {
            "kms:ViaService" = "s3.eu-west-1.amazonaws.com"
          }
        }
      },
    ]
  })
}

resource "aws_s3_bucket_policy" "reports" {
  bucket = "acme-data-reports"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "AnalyticsRead"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::444455556666:root"
        }
        Action   = "s3:GetObject"
        Resource = "arn:aws:s3:::acme-data-reports/*"
      },
      {
        Sid    = "AnalyticsRead2"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::444455556666:root"
        }
        Action   = "s3:ListBucket"
        Resource = "arn:aws:s3:::acme-data-reports"
      },
      {
        Sid    = "AnalyticsNeverWrites"
        Effect = "Deny"
        Principal = {
          AWS = "arn:aws:iam::444455556666:root"
        }
        Action   = ["s3:PutObject", "s3:DeleteObject"]
        Resource = "arn:aws:s3:::acme-data-reports/*"
      },
      {
        Sid    = "ProtectBucketPolicy"
        Effect = "Deny"
        NotPrincipal = {
          AWS = ["arn:aws:iam::111122223333:user/emergency/breakglass", "arn:aws:iam::111122223333:root"]
        }
        Action   = ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"]
        Resource = "arn:aws:s3:::acme-data-reports"
      },
    ]
  })
}
